#include "app/config_web.h"

#include "app/domain_name.h"
#include "http/csrf.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;

namespace {

// web.cookie_domain beyond being a domain name. A leading dot is refused rather than dropped
// (RFC 6265 section 5.2.3 ignores it): the configuration says exactly what the cookies carry.
// One label ("com", "localhost") is refused: browsers ignore a Domain that is a public suffix,
// and a single label is one or reaches every host of an intranet. (Two-label public suffixes
// such as "co.uk" cannot be told without the Public Suffix List: the browser then refuses the
// cookie and sign-ins do not stick.)
std::expected<void, std::string> check_cookie_domain(std::string_view domain) {
  if (domain.starts_with('.')) {
    return std::unexpected("write \"" + std::string(domain.substr(1)) +
                           "\" without the leading dot (it covers the subdomains anyway)");
  }
  if (auto ok = check_domain_name(domain, "a cookie domain"); !ok) return ok;
  if (domain.find('.') == std::string_view::npos) {
    return std::unexpected("\"" + std::string(domain) +
                           "\" is a single label; a cookie domain has at least two (example.com)");
  }
  return {};
}

}  // namespace

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
      {kName, "cookie_domain", &cookie_domain,
       "One sign-in for every host under a domain (`example.com`): the session, access and CSRF "
       "cookies become `__Secure-tessera_*` with `Domain=` this domain instead of host-only "
       "`__Host-tessera_*`, and every https origin under it counts as allowed (CSRF, return "
       "targets). A lower-case domain name of at least two labels, written without a leading "
       "dot, never an IP address; server.public_url must be set, and its host and every "
       "web.allowed_origins host must be it or under it. Every host under it receives the "
       "session cookie: set it only when all of them are trusted (docs/gateway.md). Empty: "
       "host-only cookies."},
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
  if (!cookie_domain.empty()) {
    if (auto ok = check_cookie_domain(cookie_domain); !ok)
      return Problem{"cookie_domain", ok.error()};
  }
  for (const std::string& o : cors_origins) {
    if (auto why = cors_origin_problem(o)) return Problem{"cors_origins", *why};
  }
  return std::nullopt;
}

}  // namespace tessera::app
