// [web]: the browser pages' cookies and CSRF origins. Every key is a member below with its
// default and meaning; config_web.cc binds and checks them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct WebSection {
  static constexpr std::string_view kName = "web";

  std::string mode = "session";  // "session" | "jwt": what the browser cookie carries
  // CSRF: origins allowed to send cookie-authenticated unsafe requests; empty: the server's own
  // URL (see effective_allowed_origins in config.h).
  std::vector<std::string> allowed_origins;
  std::string same_site = "lax";  // "lax" | "strict": the session and CSRF cookies' SameSite

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
