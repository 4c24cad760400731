// The relying party's validation of an upstream provider's ID token (OpenID Connect Core 1.0
// section 3.1.3.7), with the project's JOSE core: pure, no I/O, time passed in.
//
// The token came straight from the provider's token endpoint over TLS, which section 3.1.3.7
// step 6 would allow to trust without a signature; we check the signature anyway (SPEC.md:
// the same rigour as Tessera's own tokens), so a token endpoint behind a compromised TLS
// terminator or a mix-up attack cannot hand us an identity.
//
// The steps, each with its own error for logs and tests (users see one bland message):
//   - JWS signature by a key of the provider's JWKS; the algorithm is pinned to the key and
//     must be one the provider advertises for ID tokens (id_token_signing_alg_values_supported,
//     RS256 when it says nothing); `none` and every HMAC algorithm are refused whatever the
//     provider says (an HMAC key would be our client secret: anyone holding it could mint);
//   - iss equal to the configured issuer, aud containing our client_id, azp (when present, and
//     required with several audiences) equal to our client_id (a token minted for another
//     client is refused), exp in the future, iat not in the future nor older than
//     kMaxIdTokenAge, all with `leeway`;
//   - nonce equal (constant time) to the one this browser's flow sent;
//   - with max_age sent, auth_time present and recent enough (step 13).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/jose_error.h"
#include "tessera/jwk.h"

namespace tessera::auth::federation {

enum class IdTokenErrc : std::uint8_t {
  kJose,             // the JWS or a registered claim failed (IdTokenError::jose says which)
  kAlgNotAllowed,    // an HMAC algorithm, or one the provider does not advertise
  kNonce,            // nonce missing or not ours
  kAzp,              // azp is another client's, or missing with several audiences
  kStale,            // iat older than kMaxIdTokenAge
  kAuthTimeMissing,  // max_age was sent and auth_time is absent or too old
  kBadSubject,       // sub empty or longer than 255 characters
  kBadClaim,         // email / email_verified / nonce of the wrong JSON type
};

struct IdTokenError {
  IdTokenErrc code = IdTokenErrc::kJose;
  jose::Error jose = jose::Error::kInternal;  // for kJose
};

// A short reason for logs and tests ("nonce mismatch", "jose: alg none is never accepted").
std::string describe(const IdTokenError& e);

// An ID token older than this (by iat) is refused: it was minted for this redemption seconds
// ago, so an old one is a replay.
inline constexpr std::int64_t kMaxIdTokenAge = 600;

struct IdTokenExpectations {
  std::string issuer;     // the configured issuer, exactly
  std::string client_id;  // ours at the provider
  std::string nonce;      // what the authorization request sent
  // The provider's advertised ID token algorithms (empty: RS256 only). HMAC ones are dropped.
  std::vector<std::string> advertised_algs;
  std::int64_t now = 0;
  std::int64_t leeway = 60;
  std::optional<std::int64_t> max_age;  // sent in the authorization request
};

// Who the provider says signed in.
struct UpstreamIdentity {
  std::string issuer;
  std::string sub;
  std::string email;  // "" when not given
  bool email_verified = false;
  std::vector<std::string> amr;  // the upstream's RFC 8176 values, as given
  std::optional<std::int64_t> auth_time;
  std::int64_t iat = 0;
};

// The algorithms an ID token may use with a provider that advertises `advertised`: the
// asymmetric ones among them (RS256 when `advertised` is empty).
std::vector<jose::Alg> allowed_id_token_algs(const std::vector<std::string>& advertised);

std::expected<UpstreamIdentity, IdTokenError> check_id_token(std::string_view token,
                                                             const jose::Jwks& keys,
                                                             const IdTokenExpectations& expect);

}  // namespace tessera::auth::federation
