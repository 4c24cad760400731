// CSRF defences for cookie-authenticated requests (SPEC.md "Browser delivery"): every unsafe
// request must carry an Origin (or, failing that, a Referer) from web.allowed_origins AND an
// X-CSRF-Token header (or csrf_token form field) equal to the CSRF cookie. Failure: 403.
//
// This file has the HTTP half, as pure functions: the origin check and extracting the
// presented token. Comparing the token with the session's (in constant time) is the session
// service's job. Bearer-authenticated requests are exempt; the caller decides that.
//
// Origins are compared exactly, after parsing both sides to scheme://host[:port] (RFC 6454
// section 6.2 serialization): scheme and host lower-cased, the scheme's default port dropped.
// So "https://app.example.com.evil.com", "https://evil.com/https://app.example.com",
// "https://app.example.com@evil.com" and "http://app.example.com" (scheme) never match
// "https://app.example.com"; "null" (opaque origins: sandboxed frames, file:, some redirects)
// never matches anything.
//
// Example:
//   if (is_unsafe_method(req.method) && authenticated_by_cookie) {
//     if (check_origin(req, config.allowed_origins) != OriginCheck::kOk) return problem(403, ...);
//     auto token = presented_csrf_token(req);
//     if (!token || !sessions.csrf_matches(session, *token)) return problem(403, ...);
//   }
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace tessera::http {

enum class OriginCheck {
  kOk,          // Origin (or Referer) names an allowed origin
  kMissing,     // neither Origin nor Referer was sent
  kNotAllowed,  // sent, but not allowed: another origin, "null", malformed, or sent twice
};

// RFC 9110 section 9.2.1: anything but GET, HEAD, OPTIONS and TRACE can change state (so
// POST, PUT, PATCH, DELETE and any unknown method need the CSRF checks).
bool is_unsafe_method(std::string_view method);

// `origin` (an Origin header value or a configured allowed origin) serialized canonically:
// "HTTPS://App.Example.com:443" -> "https://app.example.com". Refused: schemes other than
// http/https, userinfo, a path/query/fragment (even "/"), empty or malformed hosts, ports
// outside 1..65535, "null".
std::expected<std::string, std::string> normalize_origin(std::string_view origin);

// The origin of an absolute http(s) URL, e.g. a Referer "https://a.example/x?y" ->
// "https://a.example". Refused as for normalize_origin (a path is of course allowed).
std::expected<std::string, std::string> origin_of_url(std::string_view url);

// Whether `host` (lower-case, as normalize_origin writes it) is `domain` or a subdomain of it
// ("a.example.com" and "example.com" are within "example.com"; "badexample.com" is not).
// An empty domain contains nothing, an IP literal is within no domain.
bool host_within_domain(std::string_view host, std::string_view domain);

// THE rule for which origins may act on the user's behalf (CSRF origins, return targets):
// `origin` (normalized) equals one of `allowed` (entries as written in the configuration; each
// is normalized, and one that does not parse matches nothing), or, with a `cookie_domain`
// (web.cookie_domain: the cookies reach every host under it), it is an https origin whose host
// is within that domain.
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed,
                    std::string_view cookie_domain = {});

// The request's Origin, or its Referer's origin when it has no Origin, against origin_allowed.
OriginCheck check_origin(const Request& req, const std::vector<std::string>& allowed,
                         std::string_view cookie_domain = {});

// The CSRF token the request presents: the X-CSRF-Token header when sent (exactly once), else,
// for an application/x-www-form-urlencoded body, its one csrf_token field. nullopt when none,
// when empty, when sent twice or when the form body is malformed.
std::optional<std::string> presented_csrf_token(const Request& req);

}  // namespace tessera::http
