// The request a gateway asks about (SPEC.md "Gateway"). A proxy calls /auth/verify on behalf of
// an original request, which it describes in headers it sets (overwriting any a client sent):
//   X-Original-URL + X-Original-Method         nginx auth_request (the convention Authelia uses)
//   X-Forwarded-Proto, -Host, -Uri, -Method    Caddy forward_auth, Traefik forwardAuth
// and, when it passes neither, a `rd` query parameter of /auth/verify itself (an absolute URL
// written into the proxy's configuration, e.g. for Envoy ext_authz). Each header counts only
// when sent exactly once: two values are ambiguous, so neither is believed.
//
// Nothing here decides anything: the URL goes through api/return_target.h before a browser is
// sent back to it, and through api/access_rules.h before a rule matches it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace tessera::api {

// The original request's method: X-Original-Method, else X-Forwarded-Method, else the method
// /auth/verify was called with (nginx's subrequest is always a GET: configure
// X-Original-Method).
std::string_view original_method(const http::Request& req);

// The original request's absolute URL: X-Original-URL, else X-Forwarded-Proto "://"
// X-Forwarded-Host X-Forwarded-Uri (proto http or https, uri starting with '/'), else the `rd`
// query parameter; "" when none of them is there.
std::string original_url(const http::Request& req);

// Whether the original request is a browser's navigation, which may be answered with a
// redirect to the login page rather than a bare 401: method GET or HEAD, and
// `Sec-Fetch-Mode: navigate` (Fetch metadata, sent by every current browser and forwarded
// with the other headers) or, without Sec-Fetch-Mode (an older browser), an Accept that names
// text/html. A fetch() or XHR (Sec-Fetch-Mode cors, same-origin...) is an API call: 401.
bool is_browser_navigation(const http::Request& req);

// Whether the proxy asked for the redirect as a 401 with a Location header (query parameter
// `redirect=401`): nginx auth_request treats any status but 2xx, 401 and 403 as an error, so
// its configuration turns that 401 into the redirect (`error_page 401 =302 $location`). Without
// it the redirect is a 302, which forward-auth proxies (Caddy, Traefik, Envoy) hand to the
// browser as it is.
bool redirect_as_401(const http::Request& req);

// `name`'s value when the request has exactly one field of that name; nullopt otherwise.
std::optional<std::string_view> single_header(const http::Request& req, std::string_view name);

}  // namespace tessera::api
