// What the resource servers ask about tokens: introspection (RFC 7662) and revocation (RFC
// 7009), for access tokens (JWTs, auth/access_tokens.h) and refresh tokens (auth/
// refresh_families.h) alike. The caller is an authenticated client (api/oauth_token_admin.cc
// authenticates it first).
//
// Introspection answers `active` only for a token that would be accepted now: an access token
// whose signature, issuer, audience, expiry and revocation all pass (AccessTokens::verify), or a
// refresh token that is its family's current one, live and within its lifetimes
// (RefreshFamilies::live_family_of). Anything else - unknown, malformed, expired, revoked,
// rotated away, a user since disabled - is {active:false} and nothing more (section 2.2: no hint
// why). An active token's answer carries scope, client_id, sub, exp, iat, iss, aud, jti, sid,
// token_type and, for a user's token, username (the email). Any authenticated client may
// introspect any token (a resource server introspects tokens issued to other clients: section
// 2.1), but never a public client: it cannot authenticate (section 4: "the authorization server
// MUST require authentication of protected resources").
//
// Revocation: a client revokes only tokens issued to it (section 2.1). An access token's jti is
// denied until the token expires (everywhere: RevocationService's log reaches every node within
// its poll interval); a refresh token's whole family is revoked, with its access tokens
// (section 2.1: "SHOULD also invalidate the access token"). A token that is unknown, invalid or
// already dead is not an error (section 2.2: 200). Another client's token is refused
// (unauthorized_client), and nothing is revoked.
//
// Thread-safe. REQUIRES: the services outlive this object.
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string_view>

#include "auth/access_tokens.h"
#include "auth/oauth_error.h"
#include "auth/refresh_families.h"
#include "store/client_store.h"
#include "store/user_store.h"

namespace tessera::auth {

class TokenIntrospection {
 public:
  TokenIntrospection(AccessTokens& access, RefreshFamilies& families,
                     std::shared_ptr<store::UserStore> users);

  // RFC 7662 section 2.2: the response object. `hint` ("access_token", "refresh_token" or "")
  // only orders the lookups (section 2.1); an unknown hint is ignored. Errors are store failures.
  std::expected<nlohmann::ordered_json, OAuthError> introspect(const store::Client& client,
                                                               std::string_view token,
                                                               std::string_view hint);

  // RFC 7009 section 2.1.
  std::expected<void, OAuthError> revoke(const store::Client& client, std::string_view token,
                                         std::string_view hint);

 private:
  AccessTokens& access_;
  RefreshFamilies& families_;
  std::shared_ptr<store::UserStore> users_;
};

}  // namespace tessera::auth
