// CORS (the Fetch standard's CORS protocol) for single-page apps on other origins
// (web.cors_origins; issue 19). This file decides, as pure functions of the request, which CORS
// headers a response carries and how a preflight is answered; the Router applies it to the
// routes in scope (router.h use_cors) and app.cc says which routes those are.
//
// The rules:
//   - kCredentialed routes (/auth/*, the OAuth token, userinfo and revoke endpoints): only an
//     Origin listed EXACTLY (scheme://host[:port], as a browser serializes it) gets
//     Access-Control-Allow-Origin: <that origin>, Access-Control-Allow-Credentials: true and
//     Access-Control-Expose-Headers. Every response of such a route carries Vary: Origin, since
//     it depends on the Origin (RFC 9110 section 12.5.5), listed or not.
//   - kPublic routes (/.well-known/*: JWKS and discovery, public by design, RFC 8414
//     section 3): Access-Control-Allow-Origin: * for any origin, never credentials, no Vary.
//   - A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered 204. It
//     carries the CORS headers only when it is allowed: the origin is listed (any origin for
//     kPublic), the requested method is one the route supports, and every requested header is
//     one of kCorsAllowedHeaders. Otherwise a 204 without them: the browser then refuses the
//     request itself, and nothing more is told to the other origin.
//   - Nothing here authenticates or relaxes CSRF: a cookie-authenticated unsafe request from a
//     listed origin still needs its Origin in web.allowed_origins and the X-CSRF-Token.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace tessera::http {

enum class CorsScope {
  kNone,          // no CORS headers (the default; the admin API and the HTML pages)
  kCredentialed,  // listed origins only, with credentials
  kPublic,        // any origin, without credentials
};

// The request headers a cross-origin script may send (beyond the CORS-safelisted ones).
inline constexpr std::string_view kCorsAllowedHeaders = "Content-Type, Authorization, X-CSRF-Token";

// The response headers a cross-origin script may read (beyond the CORS-safelisted ones): the
// challenge of a 401, the wait of a 429/503, and the request id to quote in a bug report.
inline constexpr std::string_view kCorsExposedHeaders =
    "WWW-Authenticate, Retry-After, X-Request-Id";

// How long a browser may cache a preflight's answer, in seconds.
inline constexpr int kCorsMaxAge = 600;

class CorsPolicy {
 public:
  // `origins`: web.cors_origins, already checked (app/config_web.cc); each is normalized here
  // (http/csrf.h normalize_origin), and one that does not parse matches nothing.
  explicit CorsPolicy(const std::vector<std::string>& origins);

  // Whether `origin` (an Origin header value) is listed, compared exactly.
  bool listed(std::string_view origin) const;

  // Adds to `res` the CORS headers of an actual (non-preflight) response of a `scope` route to
  // a request carrying `origin` ("" when it had no Origin, or more than one).
  void decorate(CorsScope scope, std::string_view origin, Response& res) const;

  // The 204 answer to a preflight of a `scope` route whose methods are `methods` (as in
  // Allow: "GET, HEAD, POST"), or to any other OPTIONS request (then without CORS headers).
  Response preflight(CorsScope scope, const Request& req, std::string_view methods) const;

 private:
  std::vector<std::string> origins_;
};

// The request's Origin when it was sent exactly once, else "".
std::string_view request_origin(const Request& req);

// Whether every name in `requested` (an Access-Control-Request-Headers value: a comma-separated
// list) is one of kCorsAllowedHeaders, case-insensitively. An empty list is allowed.
bool cors_headers_allowed(std::string_view requested);

// Whether `method` is one of `methods` (an Allow value), compared exactly (methods are
// case-sensitive, RFC 9110 section 9.1).
bool cors_method_allowed(std::string_view method, std::string_view methods);

}  // namespace tessera::http
