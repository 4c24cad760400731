// The token counters of /metrics (http/metrics.h): tessera_tokens_issued_total{kind} and
// tessera_refresh_total{result}. Every counter is resolved once, at construction, so that an
// event costs one relaxed atomic add: no lock, no lookup, no allocation (/auth/refresh is a hot
// path). Without metrics (null) every call is a no-op.
//
// Thread-safe after construction.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "auth/oauth_grants.h"
#include "auth/refresh_families.h"
#include "http/metrics.h"

namespace tessera::api {

class TokenMetrics {
 public:
  // tessera_refresh_total's `result` labels, in RefreshReport order (refresh_result()).
  static constexpr std::array<std::string_view, 8> kRefreshResults = {
      "rotated", "grace", "reused", "wrong_client", "revoked", "expired", "invalid", "unavailable"};

  explicit TokenMetrics(http::Metrics* metrics);

  // A pair handed to a client: one access and one refresh token.
  void issued(const auth::TokenPair& pair) const;
  // An OAuth token response: its access token, and its refresh and ID tokens when present.
  void issued(const auth::OAuthTokenResponse& response) const;
  // One POST /auth/refresh, by what it did.
  void refresh(const auth::RefreshReport& report) const;

  // The index in kRefreshResults of what `report` says: a refused refresh by its reason
  // (reuse and a wrong client revoke the family; a revoked family's token, an expired family;
  // anything else - malformed, forged, unknown, the user gone - is "invalid").
  static std::size_t refresh_result(const auth::RefreshReport& report);

 private:
  http::Counter* access_ = nullptr;
  http::Counter* refresh_ = nullptr;
  http::Counter* id_ = nullptr;
  std::array<http::Counter*, kRefreshResults.size()> results_{};
};

}  // namespace tessera::api
