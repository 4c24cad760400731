#include "app/config_web.h"

#include "http/csrf.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;

std::vector<Field> WebSection::fields() {
  return {
      {kName, "mode", &mode},
      {kName, "allowed_origins", &allowed_origins},
      {kName, "same_site", &same_site},
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
