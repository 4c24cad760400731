#include "api/token_metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::api {
namespace {

using auth::RefreshFailure;
using auth::RefreshOutcome;
using auth::RefreshReport;

std::string_view label(RefreshOutcome outcome,
                       RefreshFailure failure = RefreshFailure::kMalformed) {
  return TokenMetrics::kRefreshResults[TokenMetrics::refresh_result(
      RefreshReport{.outcome = outcome, .failure = failure})];
}

TEST(TokenMetrics, RefreshResultsByOutcomeAndReason) {
  EXPECT_EQ(label(RefreshOutcome::kRotated), "rotated");
  EXPECT_EQ(label(RefreshOutcome::kGrace), "grace");
  EXPECT_EQ(label(RefreshOutcome::kUnavailable), "unavailable");
  EXPECT_EQ(label(RefreshOutcome::kRefused, RefreshFailure::kReuse), "reused");
  EXPECT_EQ(label(RefreshOutcome::kRefused, RefreshFailure::kWrongClient), "wrong_client");
  EXPECT_EQ(label(RefreshOutcome::kRefused, RefreshFailure::kFamilyRevoked), "revoked");
  EXPECT_EQ(label(RefreshOutcome::kRefused, RefreshFailure::kExpired), "expired");
  for (RefreshFailure f :
       {RefreshFailure::kMalformed, RefreshFailure::kForged, RefreshFailure::kUnknown,
        RefreshFailure::kUserGone, RefreshFailure::kPasswordChanged, RefreshFailure::kNotIssued}) {
    EXPECT_EQ(label(RefreshOutcome::kRefused, f), "invalid");
  }
}

TEST(TokenMetrics, CountsIntoTheResolvedCountersAndIsANoOpWithoutMetrics) {
  http::Metrics metrics;
  TokenMetrics counted(&metrics);
  counted.issued(auth::TokenPair{});
  counted.issued(auth::OAuthTokenResponse{.access_token = "a", .id_token = "i"});
  counted.refresh(RefreshReport{.outcome = RefreshOutcome::kGrace});
  EXPECT_EQ(metrics.tokens_issued().with("access").value(), 2u);
  EXPECT_EQ(metrics.tokens_issued().with("refresh").value(), 1u);
  EXPECT_EQ(metrics.tokens_issued().with("id").value(), 1u);
  EXPECT_EQ(metrics.refreshes().with("grace").value(), 1u);
  EXPECT_EQ(metrics.refreshes().with("rotated").value(), 0u);

  TokenMetrics off(nullptr);  // must not crash
  off.issued(auth::TokenPair{});
  off.refresh(RefreshReport{});
}

}  // namespace
}  // namespace tessera::api
