// tessera outbox list|show|purge: the mail outbox (store/outbox_store.h, docs/email.md) on the
// store the server uses. With email.outbox_only = true (development) mails stay there unsent,
// and `show` is how a person reads one and follows its link; with SMTP, `list` says what waits
// and what failed.
//
//   tessera outbox list [--status pending|sent|failed] [--limit N] [--json]
//       newest first, at most N (1..1000, default 100): a table (ID KIND RECIPIENT STATUS
//       CREATED ATTEMPTS LAST_ERROR, times in UTC ISO 8601), or one JSON object per line: id,
//       kind, recipient, status, created_at (Unix seconds), attempts, last_error.
//   tessera outbox show ID [--raw]
//       "name  value" lines (id, kind, recipient, status, created_at, attempts, last_error,
//       and finished_at once sent or failed), then for a pending mail a blank line and its
//       message: the headers as rendered and the plain-text body decoded, so links are whole
//       (quoted-printable cuts long lines). --raw prints only the exact RFC 5322 message.
//       Opening a pending message is audited ("outbox.read": it holds live links). A sent or
//       failed mail's message was erased: the lines end with "message  erased once sent" (or
//       "... once it failed"); with --raw that is exit 2.
//   tessera outbox purge [--older-than DURATION]
//       deletes the sent and failed mails finished more than DURATION ago (default 30d; "12h",
//       "7d", seconds); prints how many. Audited ("outbox.purged").
//
// Exit 0 on success; 2 with a one-line message on stderr otherwise (bad flags, an id that is
// not a number or names no mail, a message that does not open, store unavailable).
#include <charconv>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/json_text.h"
#include "app/config_schema.h"
#include "app/services.h"
#include "auth/audit.h"
#include "cli/admin_services.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"
#include "mail/message.h"
#include "store/outbox_store.h"

namespace tessera::cli {
namespace {

// The mail id `text` spells: a positive decimal number, nothing else.
std::optional<store::MailId> parse_mail_id(const std::string& text) {
  store::MailId id = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, id);
  if (text.empty() || ec != std::errc() || stop != end || id <= 0) return std::nullopt;
  return id;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

int list_mails(const ConfigFlags& flags, const std::string& status, std::size_t limit,
               bool as_json) {
  std::optional<store::MailStatus> only;
  if (!status.empty()) only = store::parse_mail_status(status);  // CLI11 checked the spelling
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  auto mails = (*s)->stores.outbox->list(only, limit);
  if (!mails) {
    return fail(kExitUsage,
                "cannot list the outbox: " + std::string(store::describe(mails.error())));
  }
  if (!as_json) {
    std::cout << std::left << std::setw(8) << "ID" << std::setw(18) << "KIND" << std::setw(32)
              << "RECIPIENT" << std::setw(9) << "STATUS" << std::setw(22) << "CREATED"
              << std::setw(10) << "ATTEMPTS"
              << "LAST_ERROR\n";
  }
  for (const store::MailRecord& m : *mails) {
    if (as_json) {
      std::cout << api::dump_json(nlohmann::ordered_json{{"id", m.id},
                                                         {"kind", m.kind},
                                                         {"recipient", m.recipient},
                                                         {"status", store::to_string(m.status)},
                                                         {"created_at", m.created_at},
                                                         {"attempts", m.attempts},
                                                         {"last_error", m.last_error}})
                << '\n';
    } else {
      std::cout << std::left << std::setw(8) << m.id << std::setw(18) << m.kind << std::setw(32)
                << m.recipient << std::setw(9) << store::to_string(m.status) << std::setw(22)
                << utc_time(m.created_at) << std::setw(10) << m.attempts << or_dash(m.last_error)
                << '\n';
    }
  }
  std::cout << std::flush;
  return kExitOk;
}

int show_mail(const ConfigFlags& flags, const std::string& id_text, bool raw) {
  auto id = parse_mail_id(id_text);
  if (!id) return fail(kExitUsage, "not a mail id: " + id_text + " (the ID of outbox list)");
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  auto mail = (*s)->stores.outbox->find(*id);
  if (!mail) {
    if (mail.error() == store::StoreError::kNotFound) {
      return fail(kExitUsage, "no such mail: " + id_text);
    }
    return fail(kExitUsage, "mail " + id_text + ": " + std::string(store::describe(mail.error())));
  }
  const bool pending = mail->status == store::MailStatus::kPending;
  const char* erased =
      mail->status == store::MailStatus::kSent ? "erased once sent" : "erased once it failed";
  std::optional<std::string> message;
  if (pending) {
    message = (*s)->mailer->open(*mail);
    if (!message) {
      return fail(kExitUsage, "mail " + id_text +
                                  " does not open (sealed under another master key, or damaged)");
    }
    (void)(*s)->audit->record(
        auth::AuditType::kOutboxRead, (*s)->clock.now_unix(), kCliActor,
        {{"mail", mail->id}, {"kind", mail->kind}, {"by", auth::audit_by(kCliActor)}});
  }
  if (raw) {
    if (!message) return fail(kExitUsage, "mail " + id_text + ": the message was " + erased);
    std::cout << *message << std::flush;
    return kExitOk;
  }
  std::vector<std::pair<const char*, std::string>> rows = {
      {"id", std::to_string(mail->id)},
      {"kind", mail->kind},
      {"recipient", mail->recipient},
      {"status", std::string(store::to_string(mail->status))},
      {"created_at", utc_time(mail->created_at)},
      {"attempts", std::to_string(mail->attempts)},
      {"last_error", or_dash(mail->last_error)}};
  if (!pending) {
    rows.emplace_back("finished_at", utc_time(mail->finished_at));
    rows.emplace_back("message", erased);
  }
  for (const auto& [name, value] : rows) {
    std::cout << std::left << std::setw(12) << name << value << '\n';
  }
  if (message) {
    auto readable = mail::read_message(*message);
    if (!readable) return fail(kExitUsage, "mail " + id_text + ": not a message Tessera rendered");
    std::cout << '\n' << readable->headers << "\n\n" << readable->text;
  }
  std::cout << std::flush;
  return kExitOk;
}

int purge_mails(const ConfigFlags& flags, const std::string& older_than) {
  auto age = app::parse_duration(older_than);
  if (!age) return fail(kExitUsage, "--older-than: " + age.error());
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  const std::int64_t before = (*s)->clock.now_unix() - age->count();
  auto n = (*s)->stores.outbox->purge(before);
  if (!n) {
    return fail(kExitUsage, "cannot purge the outbox: " + std::string(store::describe(n.error())));
  }
  (void)(*s)->audit->record(
      auth::AuditType::kOutboxPurged, (*s)->clock.now_unix(), kCliActor,
      {{"purged", *n}, {"before", before}, {"by", auth::audit_by(kCliActor)}});
  std::cout << "purged " << *n << " sent or failed mails finished before " << utc_time(before)
            << std::endl;
  return kExitOk;
}

}  // namespace

void add_outbox_commands(CLI::App& root, Commands& out) {
  CLI::App* outbox = root.add_subcommand("outbox", "Read the mail outbox (on the server's store)");
  outbox->require_subcommand(1);

  CLI::App* list = outbox->add_subcommand("list", "List mails, newest first");
  auto list_flags = std::make_shared<ConfigFlags>(list);
  auto status = std::make_shared<std::string>();
  auto limit = std::make_shared<std::size_t>(100);
  auto as_json = std::make_shared<bool>(false);
  list->add_option("--status", *status, "Only mails in this state")
      ->check(CLI::IsMember({"pending", "sent", "failed"}));
  list->add_option("--limit", *limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 1000));
  list->add_flag("--json", *as_json, "One JSON object per line instead of a table");
  out.push_back({list, [list_flags, status, limit, as_json] {
                   return list_mails(*list_flags, *status, *limit, *as_json);
                 }});

  CLI::App* show = outbox->add_subcommand("show", "Show a mail; a pending one's message too");
  auto show_flags = std::make_shared<ConfigFlags>(show);
  auto id = std::make_shared<std::string>();
  auto raw = std::make_shared<bool>(false);
  show->add_option("ID", *id, "The mail's id (outbox list)")->required();
  show->add_flag("--raw", *raw, "Only the exact RFC 5322 message of a pending mail");
  out.push_back({show, [show_flags, id, raw] { return show_mail(*show_flags, *id, *raw); }});

  CLI::App* purge = outbox->add_subcommand("purge", "Delete old sent and failed mails");
  auto purge_flags = std::make_shared<ConfigFlags>(purge);
  auto older_than = std::make_shared<std::string>("30d");
  purge->add_option("--older-than", *older_than,
                    "Finished longer ago than this (default 30d; 12h, 7d, seconds)");
  out.push_back(
      {purge, [purge_flags, older_than] { return purge_mails(*purge_flags, *older_than); }});
}

}  // namespace tessera::cli
