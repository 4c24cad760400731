#include "auth/audit_log.h"

#include <string>
#include <utility>
#include <vector>

#include "base/log_context.h"

namespace tessera::auth {
namespace {

// Personal data kept out of log lines (see the header).
bool personal(std::string_view key) { return key == "email" || key == "new_email"; }

std::string field_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

base::LogLevel audit_log_level(AuditType type) {
  switch (type) {
    case AuditType::kLoginFailure:
    case AuditType::kRefreshReuse:
    case AuditType::kOAuthCodeReplay:
    case AuditType::kMfaFailure:
    case AuditType::kPasskeyRefused:
    case AuditType::kPasskeyCloneSuspected:
      return base::LogLevel::kWarn;
    default:
      return base::LogLevel::kInfo;
  }
}

void log_audit_event(AuditType type, const AuditActor& actor, const nlohmann::json& detail) {
  const base::LogLevel level = audit_log_level(type);
  if (!base::log_enabled(level)) return;
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back("event", std::string(to_string(type)));
  if (actor.user) fields.emplace_back("user", store::to_uuid(*actor.user));
  if (!actor.ip.empty()) fields.emplace_back("ip", actor.ip);
  const std::string_view id =
      actor.request_id.empty() ? base::current_request_id() : std::string_view(actor.request_id);
  if (!id.empty()) fields.emplace_back("request_id", std::string(id));
  if (detail.is_object()) {
    for (const auto& [key, value] : detail.items()) {
      if (personal(key)) continue;
      // A detail named like one of ours is prefixed rather than allowed to replace it.
      const bool clash = key == "event" || key == "user" || key == "ip" || key == "request_id";
      fields.emplace_back(clash ? "detail_" + key : key, field_text(value));
    }
  }
  base::log_fields(level, "audit", fields);
}

}  // namespace tessera::auth
