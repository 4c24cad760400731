// OpenID Connect ID tokens (OIDC Core 1.0 section 2, 3.1.3.6, 3.1.3.7): what the client learns of
// the user's authentication, signed by the keyring's active key (the JWKS every relying party
// fetches). Claims: iss sub aud exp iat auth_time azp, nonce (when the request had one), at_hash
// (when issued beside an access token), sid (the refresh family: OIDC Front-Channel Logout 1.0
// section 3's session id), amr (RFC 8176, when known) and, with the `email` scope, email and
// email_verified (OIDC Core section 5.4). `sub` is the user's UUID: the same for every client
// (public subject identifiers, section 8). Header typ "JWT"; never "at+jwt", so an ID token is
// never accepted as an access token (AccessTokens requires at+jwt: RFC 9068 section 4).
//
// Thread-safe. REQUIRES: the keyring, the access-token service (whose issuer this shares: one
// `iss` for every token and for discovery) and the clock outlive this object.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_tokens.h"
#include "auth/errors.h"
#include "auth/keyring.h"
#include "base/clock.h"
#include "store/user_store.h"

namespace tessera::auth {

struct IdTokenRequest {
  std::string client_id;  // aud and azp
  std::string nonce;      // "" : none
  std::int64_t auth_time = 0;
  std::string amr;  // space-separated RFC 8176 values; "" : none
  std::string sid;  // the family's public id; "" : none
  std::vector<std::string> scope;
  std::string access_token;  // "" : no at_hash
};

// What a valid id_token_hint says (OIDC RP-Initiated Logout 1.0 section 2).
struct IdTokenHint {
  std::string sub;
  std::vector<std::string> aud;
  std::string sid;
};

class IdTokens {
 public:
  IdTokens(KeyringService& keyring, const AccessTokens& access, const base::Clock& clock,
           std::int64_t ttl_seconds = 3600);

  // A signed ID token for `user`. kUnavailable when there is no signing key.
  std::expected<std::string, Error> issue(const store::User& user, const IdTokenRequest& request);

  // An ID token this server issued (signature by a key of its keyring, iss), expired or not: a
  // logout may come long after the token's exp (RP-Initiated Logout section 2: the OP "SHOULD
  // accept ID Tokens when the RP identified by the ID Token's aud claim ... has a current
  // session ... even when the exp time has passed"). kUnauthenticated otherwise.
  std::expected<IdTokenHint, Error> verify_hint(std::string_view token) const;

  // OIDC Core section 3.1.3.6: the base64url of the left half of the hash of `access_token`,
  // the hash being the one of the JWS algorithm `alg` (SHA-512 for EdDSA with Ed25519).
  static std::string at_hash(std::string_view access_token, jose::Alg alg);

 private:
  KeyringService& keyring_;
  const AccessTokens& access_;
  const base::Clock& clock_;
  std::int64_t ttl_;
};

}  // namespace tessera::auth
