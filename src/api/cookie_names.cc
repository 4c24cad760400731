#include "api/cookie_names.h"

namespace tessera::api {

CookieNames cookie_names(std::string_view cookie_domain) {
  // __Host- when host-only (the stronger prefix: no other host can set or shadow it); with a
  // Domain only __Secure- is allowed.
  const std::string prefix = cookie_domain.empty() ? "__Host-" : "__Secure-";
  return CookieNames{.session = prefix + "tessera_session",
                     .access = prefix + "tessera_access",
                     .csrf = prefix + "tessera_csrf",
                     .refresh = "__Secure-tessera_refresh",
                     .domain = std::string(cookie_domain)};
}

}  // namespace tessera::api
