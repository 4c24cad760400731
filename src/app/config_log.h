// [log]: what the server writes to stderr (issue 19; base/log.h, docs/operations.md "Logs").
// config_log.cc binds and checks the keys; app.cc applies them before the first line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"
#include "base/log.h"

namespace tessera::app {

struct LogSection {
  static constexpr std::string_view kName = "log";
  static constexpr std::string_view kDoc =
      "The server's log: structured lines on stderr, each about one event (a request's lines "
      "carry its `request_id`). Never a password, token, key, cookie or email.";

  std::string level = "info";   // debug | info | warn | error
  std::string format = "json";  // json | text

  // The checked values as base/log.h takes them. REQUIRES: check() passed.
  base::LogLevel log_level() const;
  base::LogFormat log_format() const;

  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
