// The token endpoints for native and API clients (SPEC.md "HTTP API", "Tokens"):
//
//   POST /auth/token    {"email","password"[,"totp"]}
//     200 {"access_token", "token_type":"Bearer", "expires_in", "refresh_token"} and
//     Cache-Control: no-store (RFC 6749 section 5.1). The login rules are /auth/login's (rate
//     limits, one 401 for unknown email / wrong password / disabled user); a refresh family
//     starts (auth/tokens.h). No cookie is set.
//   POST /auth/refresh  {"refresh_token"}
//     200, same shape: the rotated pair. 401 for anything else - unknown, used (reuse revokes
//     the whole family), expired, revoked, or a user disabled or whose password changed.
//
// Bodies are strict JSON (api/json_body.h). Neither endpoint takes a cookie, so no CSRF check
// applies. (The browser's cookie variant of /auth/refresh, web.mode = "jwt", comes with it.)
#pragma once

#include "api/request_auth.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_token_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
