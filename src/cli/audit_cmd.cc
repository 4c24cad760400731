// tessera audit: the audit log (auth/audit.h names the events and what their details hold) on
// the store the server uses, newest first.
//
//   tessera audit [--user EMAIL|ID] [--type TYPE] [--since TIME] [--limit N] [--json]
//       --user   the events recorded with that user (their logins, sessions, factors, resets;
//                an administrator's action names its subject in the detail instead). An id is
//                taken as it is, also of a user that no longer exists.
//       --type   one event type, such as login.failure
//       --since  only events at or after TIME: a UTC ISO 8601 time (2026-11-23T10:00:00Z,
//                2026-11-23T10:00Z, 2026-11-23) or a duration ago (24h, 7d, 1h30m; a bare
//                number is seconds)
//       --limit  at most N events (1..1000, default 100)
//       A table (ID AT TYPE USER IP DETAIL, times in UTC ISO 8601), or one JSON object per line
//       as GET /admin/audit shows an event (auth::audit_event_json; `at` in Unix seconds).
//
// Exit 0 on success (also when nothing matches); 2 with a one-line message on stderr for a
// malformed value, an unknown user, or a store that cannot be read.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "api/json_text.h"
#include "app/config_schema.h"
#include "app/services.h"
#include "auth/audit.h"
#include "cli/admin_services.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"

namespace tessera::cli {
namespace {

struct AuditArgs {
  std::string user;
  std::string type;
  std::string since;
  std::size_t limit = 100;
  bool json = false;
};

// The Unix time `text` names: a UTC time, or a duration before `now`.
std::optional<std::int64_t> parse_since(const std::string& text, std::int64_t now) {
  if (auto at = parse_utc_time(text)) return at;
  if (auto ago = app::parse_duration(text)) return now - ago->count();
  return std::nullopt;
}

int show_audit(const ConfigFlags& flags, const AuditArgs& a) {
  store::AuditQuery q{.limit = a.limit};
  if (!a.type.empty()) {
    if (!auth::valid_audit_type(a.type)) {
      return fail(kExitUsage,
                  "--type: \"" + a.type + "\" is not an event type (e.g. login.failure)");
    }
    q.type = a.type;
  }
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  std::optional<std::int64_t> since;
  if (!a.since.empty()) {
    since = parse_since(a.since, (*s)->clock.now_unix());
    if (!since) {
      return fail(kExitUsage, "--since: \"" + a.since +
                                  "\" is neither a UTC time (2026-11-23T10:00:00Z) nor a duration "
                                  "(24h, 7d)");
    }
  }
  if (!a.user.empty()) {
    if (auto id = store::parse_uuid(a.user)) {
      q.user_id = *id;
    } else {
      auto u = find_user(**s, a.user);
      if (!u) return fail(kExitUsage, "--user: " + u.error());
      q.user_id = u->id;
    }
  }
  q.since = since;  // in the store's query, so --limit counts only events since then
  auto events = (*s)->audit->query(q);
  if (!events) return fail(kExitUsage, "cannot read the audit log: " + reason(events.error()));
  if (!a.json) {
    std::cout << std::left << std::setw(8) << "ID" << std::setw(22) << "AT" << std::setw(26)
              << "TYPE" << std::setw(37) << "USER" << std::setw(18) << "IP"
              << "DETAIL\n";
  }
  for (const store::AuditEvent& e : *events) {
    if (a.json) {
      std::cout << api::dump_json(auth::audit_event_json(e)) << '\n';
    } else {
      std::cout << std::left << std::setw(8) << e.id << std::setw(22) << utc_time(e.at)
                << std::setw(26) << e.type << std::setw(37)
                << (e.user_id ? store::to_uuid(*e.user_id) : "-") << std::setw(18)
                << (e.ip.empty() ? "-" : e.ip) << e.detail << '\n';
    }
  }
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace

void add_audit_command(CLI::App& root, Commands& out) {
  CLI::App* audit = root.add_subcommand("audit", "Read the audit log, newest first");
  auto flags = std::make_shared<ConfigFlags>(audit);
  auto a = std::make_shared<AuditArgs>();
  audit->add_option("--user", a->user, "Only this user's events (email or id)");
  audit->add_option("--type", a->type, "Only events of this type, e.g. login.failure");
  audit->add_option("--since", a->since, "Only events since a UTC time or a duration ago (24h)");
  audit->add_option("--limit", a->limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 1000));
  audit->add_flag("--json", a->json, "One JSON object per line instead of a table");
  out.push_back({audit, [flags, a] { return show_audit(*flags, *a); }});
}

}  // namespace tessera::cli
