// Client authentication at the token endpoint (RFC 6749 section 2.3; RFC 7521 section 4.2 and
// RFC 7523 sections 2.2 and 3 for private_key_jwt; OpenID Connect Core 1.0 section 9): given the
// credentials a request presented (api/client_credentials.h reads them), which registered
// client it is, or why not.
//
// A client authenticates with exactly the method it registered (store::Client::auth_method,
// RFC 7591 token_endpoint_auth_method): a client_secret_basic client presenting its secret in
// the body is refused, as is the reverse, a confidential client presenting nothing and a public
// client presenting a secret or an assertion. Accepting any method a client could use would let
// a stolen secret work where the client never sends it, and a public client, which RFC 6749
// section 2.1 says cannot keep a secret, has none to check.
//
// Every refusal is invalid_client with the one description kClientAuthFailed: unknown client,
// wrong or empty secret, wrong method, and every reason an assertion fails alike, so that the
// answer never says which client ids exist or which check failed (RFC 6749 section 5.2). A
// client id that is not 1-255 bytes of UTF-8 without control characters is refused before the
// store is asked (the stores require such text; PostgreSQL answers kUnavailable for invalid
// UTF-8, which would make garbage a 503). A store failure is temporarily_unavailable (503)
// or server_error, never a refusal: the client did nothing wrong (auth::oauth_error).
//
// private_key_jwt (RFC 7523 section 3, OIDC Core section 9): client_assertion is a JWS signed
// by a key of the client's registered JWKS, checked by the jose library:
//   - asymmetric algorithms only (RS*, PS*, ES*, EdDSA), the algorithm pinned to the key:
//     never HS* (a MAC keyed with anything the server knows about the client, its public key
//     included, proves nothing), never "none";
//   - iss and sub both equal the client id, and the client_id parameter when one was sent
//     (RFC 7523 section 3 items 1-2; RFC 7521 section 4.2 lets client_id be omitted, and then
//     the client is the one sub names: the unverified sub only chooses whose keys to try);
//   - aud contains one of the caller's audiences (the token endpoint URL and the issuer:
//     RFC 7523 section 3 item 3, OIDC Core section 9 "aud");
//   - exp required (item 4) and at most kMaxAssertionLifetime ahead: a short-lived assertion
//     bounds how long a leaked one works, and how long its jti must be remembered;
//   - jti required (OIDC Core section 9) and single use (RFC 7523 section 3 item 7): recorded
//     in the CounterStore under "client-assertion:<client id>:<jti>" until exp plus the
//     leeway, after which the assertion is refused as expired anyway; a second use is
//     refused. Recorded last, only for assertions that passed every other check, so
//     nothing unsigned reaches the store;
//   - nbf and iat, when present, with the jose leeway (kLeewaySeconds); typ is not required
//     (neither RFC 7523 nor OIDC Core defines one for client assertions).
//
// Thread-safe (the services and stores it uses are).
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "auth/clients.h"
#include "auth/oauth_error.h"
#include "base/clock.h"
#include "store/client_store.h"
#include "store/counter_store.h"
#include "tessera/jwk.h"

namespace tessera::auth {

// The one description of every invalid_client refusal.
inline constexpr std::string_view kClientAuthFailed = "client authentication failed";

// The client assertion type of RFC 7523 section 2.2.
inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// The credentials a token request presented, not yet checked.
// The algorithms a client assertion may use: every asymmetric one, never HS* or none (the
// header comment says why); discovery publishes the same list.
inline constexpr std::array<jose::Alg, 10> kClientAssertionAlgs = {
    jose::Alg::kRS256, jose::Alg::kRS384, jose::Alg::kRS512, jose::Alg::kPS256, jose::Alg::kPS384,
    jose::Alg::kPS512, jose::Alg::kES256, jose::Alg::kES384, jose::Alg::kES512, jose::Alg::kEdDSA,
};

struct PresentedClient {
  enum class Via : std::uint8_t { kNone, kSecretBasic, kSecretPost, kAssertion };
  Via via = Via::kNone;
  std::string client_id;  // kNone/kSecretPost: form client_id; kSecretBasic: the Basic user;
                          // kAssertion: the form client_id if given, else "" (then the
                          // assertion's sub)
  std::string secret;     // kSecretBasic / kSecretPost
  std::string assertion;  // kAssertion: the client_assertion JWT
};

class ClientAuthenticator {
 public:
  // Leeway for an assertion's exp, nbf and iat (the clocks of client and server differ).
  static constexpr std::int64_t kLeewaySeconds = 30;
  // The longest an assertion may still be valid for when it is presented.
  static constexpr std::int64_t kMaxAssertionLifetime = 3600;

  // `clients` and `clock` must outlive this object.
  ClientAuthenticator(ClientService& clients, std::shared_ptr<store::CounterStore> counters,
                      const base::Clock& clock);

  // The client `presented` authenticates as, or invalid_client (kClientAuthFailed),
  // temporarily_unavailable or server_error. `audiences`: what an assertion's aud must
  // contain one of (the token endpoint URL and the issuer); empty refuses every assertion.
  std::expected<store::Client, OAuthError> authenticate(
      const PresentedClient& presented, std::span<const std::string> audiences) const;

 private:
  std::expected<void, OAuthError> check_assertion(const store::Client& client,
                                                  std::string_view assertion,
                                                  std::span<const std::string> audiences) const;

  ClientService& clients_;
  std::shared_ptr<store::CounterStore> counters_;
  const base::Clock& clock_;
};

}  // namespace tessera::auth
