// GET|POST /auth/verify: the gateway check (SPEC.md "HTTP API"; nginx `auth_request`, Traefik
// `forwardAuth`, Envoy ext_authz in HTTP mode). The proxy forwards the original request's
// headers; this answers "who is this?" from, in this order:
//   - an `Authorization: Bearer` access token (RFC 6750; auth/access_tokens.h verify, revocation
//     always checked) - when the header is present it alone decides;
//   - the session cookie;
//   - the access cookie (web.mode = "jwt"), verified like a Bearer token.
//   200, no body, with
//     X-User-Id:    the user's UUID
//     X-User-Email: the user's address (session cookie only: an access token carries none, and
//                   the header is then absent); bytes outside visible ASCII (a UTF-8 local
//                   part) and '%' percent-encoded, so nothing header-breaking is sent
//     X-User-Roles: the roles, comma-separated (role names are [a-z0-9_.:-]: no separator or
//                   header-breaking byte can appear in them)
//     X-Session-Id: the session's PUBLIC id (never the cookie value), or the token's `sid`
//   and, for a token an OAuth client obtained,
//     X-Client-Id:  its client_id (a UUID)
//     X-Scope:      its scope, space-separated (RFC 6749 section 3.3 scope-tokens are
//                   printable ASCII: nothing header-breaking)
//   A service's token (client credentials: auth/access_tokens.h) acts for no user: it gets the
//   last two headers only, never X-User-Id, so a service behind the proxy that keys on the user
//   finds none rather than an empty one;
//     X-Auth-Time:  when the user last authenticated (Unix seconds), X-Amr: how (RFC 8176
//                   values comma-separated: pwd, otp, hwk, swk, mfa)
//   401 problem+json for anything else: no cookie, junk, unknown, expired, disabled user, or
//       one of our cookies sent twice (ambiguous: refused, not guessed). Other cookies, nameless
//       or malformed ones included, are ignored (http/cookies.h);
//   except that a browser's navigation (api/gateway_request.h is_browser_navigation) whose
//       original URL the proxy passed (X-Original-URL, X-Forwarded-Proto/Host/Uri, or `rd`)
//       and api/return_target.h allows is sent to the login page with that URL as return_to:
//       302 Location: <public_url>/login?return_to=<URL>, or, with ?redirect=401 (nginx
//       auth_request passes only 2xx, 401 and 403), the 401 with that Location, which nginx's
//       `error_page 401 =302` turns into the redirect (docs/gateway.md);
//   503 when the store cannot answer (fail closed: never "allow").
// With [[access.rules]] (api/access_rules.h) the original request (method, host, path from the
// headers api/gateway_request.h reads) picks the first matching rule: bypass answers 200 with
// no identity and looks at no credential; a signed-in identity the rule does not admit (roles,
// mfa), or any identity when the original URL is missing or its path unreadable, gets 403;
// no rule matching: the default, any signed-in user.
//
// Never CSRF-checked: it changes nothing, and the proxy calls it for every method of the
// original request. Hot path: one cookie parse, the session service's lookup (its last-seen
// writes are throttled to one per touch interval), no password hashing, no logging per
// request, no JSON on success.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// The handler itself (for tests and benchmarks).
http::Response verify(const ApiContext& ctx, const http::Request& req);

// Registers GET and POST /auth/verify (HEAD follows GET). `ctx` must outlive the router.
void add_verify_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
