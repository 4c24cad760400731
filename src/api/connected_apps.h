// The user's OAuth grants ("connected apps", OIDC Core 1.0 section 3.1.2.4's remembered
// consent), for the account page:
//   GET    /auth/apps              200 {"apps": [{client_id, name, scope, created_at,
//                                  updated_at}]}, oldest first
//   DELETE /auth/apps/{client_id}  204: the grant forgotten and every token family the app
//                                  holds for the user revoked, with its access tokens
//                                  (auth/consents.h); 404 if the user has no grant to it
// Authenticated like the rest of /auth/* (api/authenticator.h, CSRF for cookie callers).
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_connected_app_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
