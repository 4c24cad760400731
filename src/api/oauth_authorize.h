// The OAuth 2.0 authorization endpoint and its consent form (RFC 6749 section 3.1 and 4.1.1-4.1.2,
// RFC 7636, RFC 9207, OIDC Core 1.0 section 3.1.2). The decisions are auth::AuthorizationService's;
// this reads the request and renders them:
//
//   GET|POST /oauth2/authorize   the request's parameters from the query (GET) or the
//                                application/x-www-form-urlencoded body (POST; OIDC Core
//                                section 3.1.2.1). A parameter given twice, or a query that does
//                                not decode, is an error page (RFC 6749 section 3.1: "MUST NOT
//                                be included more than once"; which copy names the client is
//                                unknowable, so nothing is redirected).
//   POST /oauth2/consent          the consent page's form: ticket, decision=allow|deny.
//
// What each outcome becomes:
//   error page      text/html, the error code and description, status per code (400 for a
//                   bad request), the page security headers; never a redirect.
//   redirect error  303 to the client's redirect URI with error, error_description, state, iss
//                   (api/oauth_errors.h oauth_redirect_error).
//   login           303 to /login?return_to=/oauth2/authorize?... (the request again, encoded
//                   by this server; the login page follows only such a path:
//                   api/web_pages.h safe_return_to) [&login_hint=...].
//   consent         the consent page (web/consent.html): no script; its CSP's form-action is
//                   'self' plus the redirect URI's origin (or scheme), which the answer to the
//                   form is a redirect to (browsers apply form-action to the redirect too).
//   code            303 to the redirect URI with code, state (when given) and iss (RFC 9207).
// Every response is Cache-Control: no-store.
//
// Who is signed in: the browser's session or access cookie (api/authenticator.h), never a
// Bearer token - the endpoint is for browsers. The consent form needs no CSRF token of its own:
// its ticket is bound to the user and unforgeable (auth/authorization.h), and its Origin, when
// the browser sends one, must be an allowed origin (the login CSRF rule: api/csrf_guard.h).
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_oauth_authorize_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
