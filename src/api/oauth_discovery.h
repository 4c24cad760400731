// Authorization server metadata: GET /.well-known/openid-configuration (OpenID Connect
// Discovery 1.0 section 4) and GET /.well-known/oauth-authorization-server (RFC 8414 section 3),
// the same document. It states exactly what this server does - nothing it does not (a client
// that trusts the document must never meet a refusal the document did not announce): the
// endpoints that exist, response type `code` in the query only, the three grants, S256 only,
// the four client authentication methods, public subject identifiers, the keyring's signing
// algorithm for ID tokens, `iss` on every authorization response (RFC 9207), no request objects
// and no claims parameter. Cacheable for 5 minutes (it changes only with the configuration or
// the keyring's algorithm).
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the two routes. `ctx` must outlive the router.
void add_oauth_discovery_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
