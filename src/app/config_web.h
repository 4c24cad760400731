// [web]: the browser pages' cookies, CSRF origins and CORS origins. Every key is a member below
// with its default; config_web.cc binds each to its name and its doc (what it means, printed by
// `tessera config reference` into docs/configuration.md) and checks them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct WebSection {
  static constexpr std::string_view kName = "web";
  static constexpr std::string_view kDoc =
      "The browser side: what the sign-in cookie carries, which origins may use it, and SameSite.";

  std::string mode = "session";
  std::vector<std::string> allowed_origins;
  std::string same_site = "lax";
  std::string cookie_domain;
  std::vector<std::string> cors_origins;

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
