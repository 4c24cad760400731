// /admin/clients: OAuth 2.0 client registration by an administrator (role `admin`), the same
// operations as `tessera client ...` (auth/clients.h has the rules; SPEC.md "HTTP API").
//
//   GET    /admin/clients              200 {"clients": [client, ...]} (auth::client_json)
//   POST   /admin/clients              JSON {"name", "type", "token_endpoint_auth_method"?,
//                                      "redirect_uris"?, "post_logout_redirect_uris"?,
//                                      "grant_types"?, "scopes"? (arrays of strings),
//                                      "first_party"? (true/false), "jwks"? (the JWK Set as JSON
//                                      text)}; 201 the client plus "client_secret" when it has
//                                      one (shown this once; Cache-Control: no-store); 400
//                                      naming the field a rule refuses
//   GET    /admin/clients/{id}         200 the client; 404
//   DELETE /admin/clients/{id}         204; 404
//   POST   /admin/clients/{id}/secret  200 {"client_id", "client_secret"} (no-store): a new
//                                      secret, the old one ends at once; 400 for a client
//                                      without a secret; 404
// 401 without a credential, 403 without the admin role; unsafe methods pass the CSRF checks
// for cookie callers (api/csrf_guard.h). Changes are audited with the caller as actor.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_admin_client_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
