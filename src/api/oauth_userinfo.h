// GET|POST /oauth2/userinfo (OIDC Core 1.0 section 5.3): the claims about the user an access
// token was issued for, by its scope: `sub` always, `email` and `email_verified` with the email
// scope (section 5.4; no profile claims are kept, so the profile scope adds none). The token is
// an RFC 6750 Bearer token: the Authorization header (section 2.1) or, for POST, the form field
// access_token (section 2.2), never both. Refused per RFC 6750 section 3 (api/oauth_errors.h
// bearer style): no token 401 with the bare challenge; malformed request 400 invalid_request;
// a token that is invalid, expired, revoked, a service's (client credentials: no user), or whose
// user is gone or disabled 401 invalid_token; a token without the openid scope 403
// insufficient_scope (section 5.3: "the Access Token obtained from an OpenID Connect
// Authentication Request"). Cache-Control: no-store.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the two routes. `ctx` must outlive the router.
void add_oauth_userinfo_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
