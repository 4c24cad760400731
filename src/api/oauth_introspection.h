// POST /oauth2/introspect (RFC 7662) and POST /oauth2/revoke (RFC 7009), for access and refresh
// tokens. Both take the form `token` (required) and `token_type_hint` (optional), with the
// client authenticated as at the token endpoint (api/oauth_request.h) - a public client, which
// cannot authenticate, may revoke its own tokens (RFC 7009 section 5 allows it for public
// clients; they hold refresh tokens too) but not introspect (RFC 7662 section 2.1). The rules of
// what is active and what may be revoked are auth::TokenIntrospection's.
//   introspect  200 {"active": false} or the active token's claims; Cache-Control: no-store
//   revoke      200, empty body, for any token but another client's (400 unauthorized_client)
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the two routes. `ctx` must outlive the router.
void add_oauth_introspection_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
