// The names and Domain of our browser cookies (SPEC.md "Browser delivery", web.cookie_domain):
// the ONE place that knows them. Everything that writes them (api/browser_cookies.h) or reads
// them (api/credentials.h, the login handlers, web pages) takes a CookieNames.
//
//   no cookie domain (default)   __Host-tessera_session, __Host-tessera_access,
//                                __Host-tessera_csrf: host-only (no Domain), Path=/
//   web.cookie_domain = "d"      __Secure-tessera_session, __Secure-tessera_access,
//                                __Secure-tessera_csrf with Domain=d: sent to d and every host
//                                under it (RFC 6265bis section 4.1.3: __Host- forbids a Domain,
//                                __Secure- only requires Secure)
//   either way                   __Secure-tessera_refresh, host-only, Path=/auth/refresh: only
//                                this server's refresh endpoint needs it, so no other host
//                                ever receives it
//
// Reading: only the configured names are ours; a cookie of the other prefix (left from before
// the setting changed) is ignored like any foreign cookie. One of our names sent twice (a host
// under the cookie domain can add a second one) is refused, never guessed (http/cookies.h).
#pragma once

#include <string>
#include <string_view>

namespace tessera::api {

inline constexpr std::string_view kRefreshCookiePath = "/auth/refresh";

struct CookieNames {
  std::string session;
  std::string access;
  std::string csrf;
  std::string refresh;
  // web.cookie_domain: the Domain attribute of the session, access and CSRF cookies ("":
  // host-only). Never on the refresh cookie.
  std::string domain;
};

// The names for `cookie_domain` (web.cookie_domain, already checked by the configuration: "" or
// a lower-case DNS name without a leading dot).
CookieNames cookie_names(std::string_view cookie_domain);

}  // namespace tessera::api
