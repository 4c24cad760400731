#include "app/config_web.h"

#include "http/csrf.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;

std::vector<Field> WebSection::fields() {
  return {
      {kName, "mode", &mode,
       "What a browser sign-in gets: `session` (a server-side session cookie) or `jwt` (an "
       "access-token cookie, a refresh cookie sent only to `/auth/refresh`, and a CSRF cookie)."},
      {kName, "allowed_origins", &allowed_origins,
       "CSRF: the origins (`https://app.example.com`) allowed to send cookie-authenticated unsafe "
       "requests. Empty: the server's own URL (and the same with `localhost` for a loopback "
       "address)."},
      {kName, "same_site", &same_site,
       "`lax` or `strict`: the SameSite attribute of the session and CSRF cookies."},
      {kName, "cors_origins", &cors_origins,
       "CORS: the origins (`https://app.example.com`; `http://` only for localhost, 127.0.0.1 "
       "or [::1]; no wildcard, no path) of single-page apps that may call `/auth/*`, "
       "`/oauth2/token`, `/oauth2/userinfo` and `/oauth2/revoke` from the browser, with "
       "credentials. Their responses then allow that origin, and `/.well-known/*` allows any "
       "origin. Cookie-authenticated unsafe requests still pass CSRF: list such an app in "
       "`allowed_origins` too. Empty: no CORS headers at all (docs/integration.md)."},
  };
}

namespace {

// Why `origin` cannot be a CORS origin, or nullopt: an exact origin, https, or http to a
// loopback host (a developer's app on localhost).
std::optional<std::string> cors_origin_problem(const std::string& origin) {
  if (origin.find('*') != std::string::npos) {
    return "\"" + origin + "\": no wildcards; list each origin";
  }
  auto n = http::normalize_origin(origin);
  if (!n) return "\"" + origin + "\" is not an origin (https://host[:port]): " + n.error();
  constexpr std::string_view kHttp = "http://";
  if (!n->starts_with(kHttp)) return std::nullopt;
  const std::string_view authority = std::string_view(*n).substr(kHttp.size());
  for (std::string_view loopback : {"localhost", "127.0.0.1", "[::1]"}) {
    if (authority == loopback ||
        (authority.starts_with(loopback) && authority[loopback.size()] == ':')) {
      return std::nullopt;
    }
  }
  return "\"" + origin + "\": http:// only for localhost, 127.0.0.1 or [::1]; use https://";
}

}  // namespace

std::optional<Problem> WebSection::check() const {
  if (!one_of(mode, {"session", "jwt"})) return Problem{"mode", "must be \"session\" or \"jwt\""};
  for (const std::string& o : allowed_origins) {
    if (auto n = http::normalize_origin(o); !n) {
      return Problem{"allowed_origins",
                     "\"" + o + "\" is not an origin (scheme://host[:port]): " + n.error()};
    }
  }
  if (!one_of(same_site, {"lax", "strict"})) {
    return Problem{"same_site", "must be \"lax\" or \"strict\""};
  }
  for (const std::string& o : cors_origins) {
    if (auto why = cors_origin_problem(o)) return Problem{"cors_origins", *why};
  }
  return std::nullopt;
}

}  // namespace tessera::app
