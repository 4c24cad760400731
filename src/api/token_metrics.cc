#include "api/token_metrics.h"

namespace tessera::api {

TokenMetrics::TokenMetrics(http::Metrics* metrics) {
  if (metrics == nullptr) return;
  access_ = &metrics->tokens_issued().with("access");
  refresh_ = &metrics->tokens_issued().with("refresh");
  id_ = &metrics->tokens_issued().with("id");
  for (std::size_t i = 0; i < kRefreshResults.size(); ++i) {
    results_[i] = &metrics->refreshes().with(kRefreshResults[i]);
  }
}

void TokenMetrics::issued(const auth::TokenPair&) const {
  if (access_ == nullptr) return;
  access_->inc();
  refresh_->inc();
}

void TokenMetrics::issued(const auth::OAuthTokenResponse& response) const {
  if (access_ == nullptr) return;
  if (!response.access_token.empty()) access_->inc();
  if (!response.refresh_token.empty()) refresh_->inc();
  if (!response.id_token.empty()) id_->inc();
}

void TokenMetrics::refresh(const auth::RefreshReport& report) const {
  if (results_[0] == nullptr) return;
  results_[refresh_result(report)]->inc();
}

std::size_t TokenMetrics::refresh_result(const auth::RefreshReport& report) {
  switch (report.outcome) {
    case auth::RefreshOutcome::kRotated:
      return 0;
    case auth::RefreshOutcome::kGrace:
      return 1;
    case auth::RefreshOutcome::kUnavailable:
      return 7;
    case auth::RefreshOutcome::kRefused:
      break;
  }
  switch (report.failure) {
    case auth::RefreshFailure::kReuse:
      return 2;
    case auth::RefreshFailure::kWrongClient:
      return 3;
    case auth::RefreshFailure::kFamilyRevoked:
      return 4;
    case auth::RefreshFailure::kExpired:
      return 5;
    default:
      return 6;
  }
}

}  // namespace tessera::api
