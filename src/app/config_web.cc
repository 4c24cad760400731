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
  };
}

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
  return std::nullopt;
}

}  // namespace tessera::app
