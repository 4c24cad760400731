// [audit]: how long the audit log keeps its events (issue 19: the log cannot fill the disk).
// config_audit.cc binds and checks the key; the maintenance thread (app.cc) purges.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct AuditSection {
  static constexpr std::string_view kName = "audit";
  static constexpr std::string_view kDoc =
      "The audit log (`tessera audit`, `GET /admin/audit`) and how long it is kept.";

  // 0: kept for ever. Finished mails in the outbox (sent or given up) are kept as long.
  std::chrono::seconds retention{std::chrono::days{90}};

  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
