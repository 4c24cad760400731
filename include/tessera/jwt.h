// JWT claims validation (RFC 7519 section 7.2, RFC 9068 access-token profile).
//
// Time is the caller's: validate() takes "now" as Unix seconds, so tests never sleep and the
// server passes its injected clock.
//
// Example:
//   tessera::jose::ClaimsPolicy policy{.issuer = "https://id.example", .audience = "api"};
//   auto claims = tessera::jose::verify_jwt(token, jwks, policy, clock.now_unix());
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/jose_error.h"
#include "tessera/jws.h"

namespace tessera::jose {

struct ClaimsPolicy {
  std::string issuer;    // "iss" must equal this exactly (empty: not checked)
  std::string audience;  // "aud" (string or array) must contain this (empty: not checked)
  std::int64_t leeway_seconds = 30;
  // Header "typ" required, compared case-insensitively, "application/" prefix allowed
  // (RFC 9068 section 4). Empty: not checked.
  std::string typ = "at+jwt";
  // Claims that must be present.
  std::vector<std::string> required = {"iss", "sub", "aud", "exp", "iat", "jti"};
};

// The registered and Tessera claims, typed. Absent claims are empty / nullopt.
struct Claims {
  std::string iss, sub, jti, sid, scope, client_id;
  std::string acr;  // OpenID Connect Core section 2 / RFC 9470
  std::vector<std::string> aud;
  std::vector<std::string> roles;
  std::vector<std::string> amr;  // RFC 8176 values (always an array)
  std::optional<std::int64_t> exp, nbf, iat, auth_time;
  std::string json;  // the payload exactly as signed
};

// Checks the claims of a verified JWS against `policy` at time `now` (Unix seconds).
// exp/nbf/iat/auth_time must be integers (no fractions, no exponents, no strings).
std::expected<Claims, Error> validate_claims(const VerifiedJws& jws, const ClaimsPolicy& policy,
                                             std::int64_t now);

// verify() then validate_claims().
std::expected<Claims, Error> verify_jwt(std::string_view token, const Jwks& keys,
                                        const ClaimsPolicy& policy, std::int64_t now,
                                        const VerifyOptions& options = {});

}  // namespace tessera::jose
