// POST /oauth2/token: the OAuth 2.0 token endpoint (RFC 6749 section 3.2, 4.1.3, 4.4.2, 6; OIDC
// Core 1.0 section 3.1.3). The grants are auth::OAuthGrants'; client authentication is
// auth::ClientAuthenticator's on what api/client_credentials.h reads. This checks the request's
// form and renders:
//   - the body must be application/x-www-form-urlencoded (section 3.2) and decode; no
//     parameter may appear twice (section 3.2: "MUST NOT be included more than once"), whatever
//     its name: invalid_request;
//   - the client authenticates first (invalid_client, 401, with a Basic challenge when it tried
//     the Authorization header: section 5.2), for every grant, before grant_type is even read;
//   - grant_type missing: invalid_request; one this server does not implement:
//     unsupported_grant_type;
//   - success (section 5.1): {access_token, token_type "Bearer", expires_in, refresh_token?,
//     id_token?, scope}; errors per section 5.2 (api/oauth_errors.h). Cache-Control: no-store
//     and Pragma: no-cache on every answer.
// A client assertion's audience (RFC 7523 section 3) is this endpoint's URL or the issuer.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers POST /oauth2/token. `ctx` must outlive the router.
void add_oauth_token_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
