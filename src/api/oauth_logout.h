// GET|POST /oauth2/logout: OpenID Connect RP-Initiated Logout 1.0. The app sends the browser
// here to sign the user out of Tessera, and may ask to be sent back.
//
// Parameters (query for GET, form for POST; one each, and empty counts as absent as RFC 6749
// section 3.1 says): id_token_hint, client_id, post_logout_redirect_uri, state (logout_hint and
// ui_locales are accepted and ignored).
//   - id_token_hint must be an ID token this server issued (auth::IdTokens::verify_hint: its
//     signature and iss; an expired one is accepted, section 2), else an error page.
//   - The client is client_id, or the hint's aud; when both are given the client_id must be in
//     the aud. Unknown: an error page.
//   - post_logout_redirect_uri needs a client and must be one of its registered
//     post_logout_redirect_uris exactly (section 3; the RFC 8252 loopback port rule as for
//     redirect URIs), else an error page: never a redirect to an unverified address.
// Signing out: when the hint names the browser's signed-in user, at once - the browser's session
// (or token family) ends, and so does the family the hint's sid names (the app's tokens of that
// sign-in). When there is no hint, or it names someone else, the user is asked first (section
// 2: the OP "SHOULD ask the End-User whether to log out"): a confirmation page whose form POSTs
// the same parameters back with confirm=yes - a cross-site page cannot make that request count
// (Origin must be an allowed origin: the login CSRF rule; and a cross-site POST carries no Lax
// cookie). Nobody signed in: nothing to end.
// Then: 303 to post_logout_redirect_uri (with state when given), or a "signed out" page. The
// browser's cookies are cleared either way. Cache-Control: no-store everywhere.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes. `ctx` must outlive the router.
void add_oauth_logout_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
