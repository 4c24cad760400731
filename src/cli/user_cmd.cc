// tessera user add|list|show|disable|enable|revoke|set-roles|reset-password: user
// administration on the store the server uses (SPEC.md "Running": also while a server runs on
// it; SQLite's WAL and busy timeout make the CLI and the server take turns).
//
//   tessera user add EMAIL [--role ROLE]... [--data-dir DIR] [--config FILE]
//       The password comes from standard input when it is not a terminal (one line; the
//       trailing newline, and a CR before it, removed), else from a prompt without echo,
//       asked twice. Prints the new user's id.
//   tessera user list [--search TEXT] [--json]
//                                   a table, or one JSON object per line (api/user_json.h: id,
//                                   email, roles, disabled, created_at in Unix seconds), in
//                                   order of creation; --search keeps the users whose email
//                                   holds TEXT (ASCII letters in any case; `%` and `_` are
//                                   themselves)
//   tessera user show EMAIL|ID [--json]
//                                   "name  value" lines, or one JSON object (api/user_json.h,
//                                   as GET /admin/users/{id} answers): id, email,
//                                   email_verified, roles, disabled, created_at,
//                                   password_changed_at (UTC ISO 8601; Unix seconds in JSON) and
//                                   the second factors: totp (on|pending|off), recovery_codes
//                                   (unused), passkeys
//   tessera user disable EMAIL|ID   disables the user and revokes all their sessions, refresh
//                                   families and access tokens
//   tessera user enable EMAIL|ID
//   tessera user revoke EMAIL|ID    revokes all the user's sessions, families and access tokens
//   tessera user set-roles EMAIL|ID (ROLE... | --clear)
//                                   replaces the user's roles (the rules of `add --role`); ends
//                                   nothing: signed-in sessions see the new roles within a
//                                   second, access tokens already issued keep theirs until they
//                                   expire. Prints "roles of EMAIL: R1,R2" ("-" for none).
//   tessera user reset-password EMAIL|ID [--print-link]
//                                   a password-reset link, as "forgot password" makes it:
//                                   queued in the outbox for the user's address (needs [email]
//                                   set up), or with --print-link stored WITHOUT a mail and
//                                   printed alone on stdout for the operator to hand over. Links
//                                   start with server.public_url (unset: the default listen
//                                   URL). Refused for a disabled user.
//
// Exit 0 on success; 2 with a one-line message on stderr otherwise (bad flags, malformed
// email, weak password, bad role, email taken, unknown user, mail off, store unavailable). The
// password is never printed, logged or put in an error message. Admin actions are audited with
// actor "cli".
#include <termios.h>
#include <unistd.h>

#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "api/json_text.h"
#include "api/user_json.h"
#include "app/config.h"
#include "app/services.h"
#include "auth/audit.h"
#include "cli/admin_services.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"

namespace tessera::cli {
namespace {

constexpr std::size_t kMaxPasswordInput = 4096;  // above the 1024-byte policy: a clear error

// Echo off on the terminal for as long as this lives.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// One line from the terminal without echo; nullopt at end of input.
std::optional<std::string> prompt(const char* text) {
  std::cerr << text << std::flush;
  std::string line;
  {
    NoEcho quiet(STDIN_FILENO);
    char c;
    for (;;) {
      ssize_t n = ::read(STDIN_FILENO, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::cerr << '\n';
        return std::nullopt;
      }
      if (c == '\n') break;
      if (line.size() > kMaxPasswordInput) continue;  // keep reading to the end of the line
      line.push_back(c);
    }
  }
  std::cerr << '\n';
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The new user's password: a line on stdin, or a prompt (twice) on a terminal.
std::expected<std::string, std::string> read_password() {
  if (::isatty(STDIN_FILENO) == 0) {
    auto in = read_stdin(kMaxPasswordInput);
    if (!in) return std::unexpected("password on standard input: " + in.error());
    std::string text = std::move(*in);
    std::size_t nl = text.find('\n');
    if (nl != std::string::npos) {
      if (trim(std::string_view(text).substr(nl + 1)).size() != 0) {
        return std::unexpected("password on standard input: expected one line");
      }
      text.resize(nl);
      if (!text.empty() && text.back() == '\r') text.pop_back();
    }
    if (text.empty()) return std::unexpected("password on standard input: empty");
    return text;
  }
  auto first = prompt("Password: ");
  if (!first || first->empty()) return std::unexpected("no password given");
  auto again = prompt("Repeat password: ");
  if (!again || *again != *first) return std::unexpected("the passwords do not match");
  return std::move(*first);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

int add_user(const ConfigFlags& flags, const std::string& email,
             const std::vector<std::string>& roles) {
  auto password = read_password();  // before opening the store: a prompt should not hold it
  if (!password) return fail(kExitUsage, password.error());
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  auto user = (*s)->auth->add_user_now(email, *password, roles, kCliActor);
  if (!user) {
    const auth::Error& e = user.error();
    std::string why =
        e.code == auth::Errc::kEmailTaken ? "a user with that email exists" : reason(e);
    return fail(kExitUsage, "cannot add user: " + why);
  }
  std::cout << store::to_uuid(user->id) << std::endl;
  return kExitOk;
}

int list_users(const ConfigFlags& flags, const std::string& search, bool as_json) {
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  constexpr std::size_t kPage = 500;
  // Keyset pages (store/user_store.h): each starts after the last user of the one before.
  store::UserListQuery query{.limit = kPage, .email_contains = search};
  for (bool first = true;; first = false) {
    auto page = (*s)->users->list(query);
    if (!page) {
      const std::string what = page.error().code == auth::Errc::kBadInput ? "--search: " : "";
      return fail(kExitUsage, "cannot list users: " + what + reason(page.error()));
    }
    if (first && !as_json) {  // once the search is known good: a refusal prints nothing
      std::cout << std::left << std::setw(37) << "ID" << std::setw(32) << "EMAIL" << std::setw(20)
                << "ROLES" << std::setw(9) << "DISABLED"
                << "CREATED\n";
    }
    for (const store::User& u : *page) {
      if (as_json) {
        std::cout << api::dump_json(api::user_summary_json(u)) << '\n';
      } else {
        std::cout << std::left << std::setw(37) << store::to_uuid(u.id) << std::setw(32) << u.email
                  << std::setw(20) << (u.roles.empty() ? "-" : join(u.roles)) << std::setw(9)
                  << (u.disabled ? "yes" : "no") << utc_time(u.created_at) << '\n';
      }
    }
    if (page->size() < kPage) break;
    query.after =
        store::UserListPosition{.created_at = page->back().created_at, .id = page->back().id};
  }
  std::cout << std::flush;
  return kExitOk;
}

// The services and the user that `who` (a UUID or an email) names; the error is a message for
// exit 2.
struct Target {
  std::unique_ptr<app::Services> services;
  store::User user;
};
std::expected<Target, std::string> open_user(const ConfigFlags& flags, const std::string& who) {
  auto s = open_admin_services(flags);
  if (!s) return std::unexpected(s.error());
  auto u = find_user(**s, who);
  if (!u) return std::unexpected(u.error());
  return Target{.services = std::move(*s), .user = std::move(*u)};
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

int show_user(const ConfigFlags& flags, const std::string& who, bool as_json) {
  auto t = open_user(flags, who);
  if (!t) return fail(kExitUsage, t.error());
  const store::User& u = t->user;
  auto factors = t->services->second_factors->status(u.id);
  if (!factors) return fail(kExitUsage, who + ": " + auth::describe(factors.error()));
  if (as_json) {
    std::cout << api::dump_json(api::user_detail_json(u, *factors)) << std::endl;
    return kExitOk;
  }
  const std::pair<const char*, std::string> rows[] = {
      {"id", store::to_uuid(u.id)},
      {"email", u.email},
      {"email_verified", yes_no(u.email_verified)},
      {"roles", u.roles.empty() ? "-" : join(u.roles)},
      {"disabled", yes_no(u.disabled)},
      {"created_at", utc_time(u.created_at)},
      {"password_changed_at", utc_time(u.password_changed_at)},
      {"totp", api::totp_state(*factors)},
      {"recovery_codes", std::to_string(factors->recovery_codes)},
      {"passkeys", std::to_string(factors->passkeys)}};
  for (const auto& [name, value] : rows) {
    std::cout << std::left << std::setw(21) << name << value << '\n';
  }
  std::cout << std::flush;
  return kExitOk;
}

int set_roles(const ConfigFlags& flags, const std::string& who,
              const std::vector<std::string>& roles, bool clear) {
  if (roles.empty() == !clear) {
    return fail(kExitUsage, "give the new roles, or --clear to remove every role");
  }
  auto t = open_user(flags, who);
  if (!t) return fail(kExitUsage, t.error());
  auto set = t->services->auth->set_roles(t->user.id, roles, kCliActor);
  if (!set) return fail(kExitUsage, "cannot set the roles of " + who + ": " + reason(set.error()));
  std::cout << "roles of " << t->user.email << ": " << (set->empty() ? "-" : join(*set))
            << std::endl;
  return kExitOk;
}

int reset_password(const ConfigFlags& flags, const std::string& who, bool print_link) {
  auto t = open_user(flags, who);
  if (!t) return fail(kExitUsage, t.error());
  const store::User& u = t->user;
  auth::AccountLifecycle& lifecycle = *t->services->lifecycle;
  auto refused = [&](const auth::Error& e) {
    if (e.code == auth::Errc::kNotConfigured) {
      return fail(kExitUsage,
                  "email is not set up (email.smtp_url, or email.outbox_only); use --print-link");
    }
    return fail(kExitUsage, "cannot reset the password of " + who + ": " + reason(e));
  };
  if (print_link) {
    auto link = lifecycle.print_reset_link(u, kCliActor);
    if (!link) return refused(link.error());
    std::cout << *link << std::endl;
    return kExitOk;
  }
  if (auto mailed = lifecycle.mail_reset_link(u, kCliActor); !mailed) {
    return refused(mailed.error());
  }
  std::cout << "reset link for " << u.email << " queued in the outbox" << std::endl;
  return kExitOk;
}

enum class Action { kDisable, kEnable, kRevoke, kDelete };

int act_on_user(const ConfigFlags& flags, const std::string& who, Action action) {
  auto t = open_user(flags, who);
  if (!t) return fail(kExitUsage, t.error());
  const store::User& user = t->user;
  auth::AuthService& auth = *t->services->auth;
  switch (action) {
    case Action::kDisable: {
      auto n = auth.disable_user(user.id, kCliActor);
      if (!n) return fail(kExitUsage, "cannot disable " + who + ": " + auth::describe(n.error()));
      std::cout << "disabled " << user.email << " (" << *n << " sessions revoked)" << std::endl;
      break;
    }
    case Action::kEnable: {
      auto r = auth.enable_user(user.id, kCliActor);
      if (!r) return fail(kExitUsage, "cannot enable " + who + ": " + auth::describe(r.error()));
      std::cout << "enabled " << user.email << std::endl;
      break;
    }
    case Action::kRevoke: {
      auto n = auth.revoke_user_sessions(user.id, kCliActor);
      if (!n) return fail(kExitUsage, "cannot revoke " + who + ": " + auth::describe(n.error()));
      std::cout << "revoked " << *n << " sessions of " << user.email << std::endl;
      break;
    }
    case Action::kDelete: {
      auto r = auth.delete_user(user.id, kCliActor);
      if (!r) return fail(kExitUsage, "cannot delete " + who + ": " + auth::describe(r.error()));
      std::cout << "deleted " << user.email << " (" << store::to_uuid(user.id)
                << ") and everything that was theirs" << std::endl;
      break;
    }
  }
  return kExitOk;
}

}  // namespace

void add_user_commands(CLI::App& root, Commands& out) {
  CLI::App* user = root.add_subcommand("user", "Administer users (on the server's store)");
  user->require_subcommand(1);

  CLI::App* add = user->add_subcommand(
      "add", "Add a user; the password is read from stdin (one line) or prompted for");
  auto add_flags = std::make_shared<ConfigFlags>(add);
  auto email = std::make_shared<std::string>();
  auto roles = std::make_shared<std::vector<std::string>>();
  add->add_option("EMAIL", *email, "The user's email")->required();
  add->add_option("--role", *roles, "A role to grant (repeatable), e.g. --role admin");
  out.push_back({add, [add_flags, email, roles] { return add_user(*add_flags, *email, *roles); }});

  CLI::App* list = user->add_subcommand("list", "List users");
  auto list_flags = std::make_shared<ConfigFlags>(list);
  auto as_json = std::make_shared<bool>(false);
  auto search = std::make_shared<std::string>();
  list->add_option("--search", *search,
                   "Only the users whose email contains TEXT (ASCII letters in any case)");
  list->add_flag("--json", *as_json, "One JSON object per line instead of a table");
  out.push_back(
      {list, [list_flags, search, as_json] { return list_users(*list_flags, *search, *as_json); }});

  CLI::App* show = user->add_subcommand("show", "Show a user and their second factors");
  auto show_flags = std::make_shared<ConfigFlags>(show);
  auto show_who = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  show->add_option("USER", *show_who, "The user's email or id (UUID)")->required();
  show->add_flag("--json", *show_json, "One JSON object instead of lines");
  out.push_back({show, [show_flags, show_who, show_json] {
                   return show_user(*show_flags, *show_who, *show_json);
                 }});

  CLI::App* set = user->add_subcommand("set-roles", "Replace a user's roles (ends no session)");
  auto set_flags = std::make_shared<ConfigFlags>(set);
  auto set_who = std::make_shared<std::string>();
  auto set_list = std::make_shared<std::vector<std::string>>();
  auto clear = std::make_shared<bool>(false);
  set->add_option("USER", *set_who, "The user's email or id (UUID)")->required();
  set->add_option("ROLE", *set_list, "The new roles, e.g. admin billing:read");
  set->add_flag("--clear", *clear, "Remove every role");
  out.push_back({set, [set_flags, set_who, set_list, clear] {
                   return set_roles(*set_flags, *set_who, *set_list, *clear);
                 }});

  CLI::App* reset = user->add_subcommand(
      "reset-password", "Mail a user a password-reset link, or print one (--print-link)");
  auto reset_flags = std::make_shared<ConfigFlags>(reset);
  auto reset_who = std::make_shared<std::string>();
  auto print_link = std::make_shared<bool>(false);
  reset->add_option("USER", *reset_who, "The user's email or id (UUID)")->required();
  reset->add_flag("--print-link", *print_link,
                  "Print the link instead of mailing it (it works as a mailed one would)");
  out.push_back({reset, [reset_flags, reset_who, print_link] {
                   return reset_password(*reset_flags, *reset_who, *print_link);
                 }});

  struct Spec {
    const char* name;
    const char* help;
    Action action;
  };
  for (const Spec& spec :
       {Spec{"disable", "Disable a user and revoke all their sessions", Action::kDisable},
        Spec{"enable", "Enable a disabled user", Action::kEnable},
        Spec{"revoke", "Revoke all sessions of a user", Action::kRevoke},
        Spec{"delete",
             "Delete a user: every session and token ends, and every row that is theirs goes "
             "(their audit events stay, without the email)",
             Action::kDelete}}) {
    CLI::App* cmd = user->add_subcommand(spec.name, spec.help);
    auto flags = std::make_shared<ConfigFlags>(cmd);
    auto who = std::make_shared<std::string>();
    cmd->add_option("USER", *who, "The user's email or id (UUID)")->required();
    Action action = spec.action;
    out.push_back({cmd, [flags, who, action] { return act_on_user(*flags, *who, action); }});
  }
}

}  // namespace tessera::cli
