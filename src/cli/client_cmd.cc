// tessera client add|list|show|remove|rotate-secret: OAuth 2.0 client registration on the
// store the server uses (auth/clients.h has the rules; SPEC.md "OAuth").
//
//   tessera client add --name NAME --type public|confidential [--auth-method M]
//       [--redirect-uri URI]... [--post-logout-redirect-uri URI]... [--grant G]... [--scope S]...
//       [--first-party] [--jwks FILE]
//       Prints one JSON object: the client (auth::client_json) and, for a client that
//       authenticates with a secret, "client_secret": shown this once, stored only as a hash.
//   tessera client list [--json]     a table, or one JSON object per line
//   tessera client show ID           the client as JSON
//   tessera client remove ID
//   tessera client rotate-secret ID  prints {"client_id", "client_secret"}: the old secret stops
//                                    working at once
//
// Exit 0 on success; 2 with a one-line message on stderr otherwise (bad flags, a rule of
// auth/clients.h broken, unknown client, store unavailable). Changes are audited with actor
// "cli".
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/json_text.h"
#include "auth/clients.h"
#include "cli/admin_services.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"

namespace tessera::cli {
namespace {

constexpr std::size_t kMaxJwksFile = 64 * 1024;

// What `client add` was given, before parsing into a ClientSpec.
struct AddArgs {
  std::string name;
  std::string type;
  std::string auth_method;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_redirect_uris;
  std::vector<std::string> grants;
  std::vector<std::string> scopes;
  bool first_party = false;
  std::string jwks_file;
};

int add_client(const ConfigFlags& flags, const AddArgs& a) {
  auth::ClientSpec spec;
  spec.name = a.name;
  auto type = store::parse_client_type(a.type);
  if (!type) return fail(kExitUsage, "--type: public or confidential");
  spec.type = *type;
  if (!a.auth_method.empty()) {
    spec.auth_method = store::parse_client_auth_method(a.auth_method);
    if (!spec.auth_method) {
      return fail(kExitUsage,
                  "--auth-method: none, client_secret_basic, client_secret_post or "
                  "private_key_jwt");
    }
  }
  spec.redirect_uris = a.redirect_uris;
  spec.post_logout_redirect_uris = a.post_logout_redirect_uris;
  spec.grant_types = a.grants;
  spec.scopes = a.scopes;
  spec.first_party = a.first_party;
  if (!a.jwks_file.empty()) {
    auto text = read_file(a.jwks_file, kMaxJwksFile);
    if (!text) return fail(kExitUsage, "--jwks: " + text.error());
    spec.jwks = std::move(*text);
  }
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  auto added = (*s)->clients->add(std::move(spec), kCliActor);
  if (!added) return fail(kExitUsage, "cannot add client: " + reason(added.error()));
  nlohmann::ordered_json out = auth::client_json(added->client);
  if (!added->secret.empty()) out["client_secret"] = added->secret;
  std::cout << api::dump_json(out) << std::endl;
  return kExitOk;
}

int list_clients(const ConfigFlags& flags, bool as_json) {
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  auto all = (*s)->clients->list();
  if (!all) return fail(kExitUsage, "cannot list clients: " + reason(all.error()));
  if (!as_json) {
    // Each column padded and then one space, so that a long name never runs into the next.
    std::cout << std::left << std::setw(36) << "CLIENT_ID" << ' ' << std::setw(27) << "NAME" << ' '
              << std::setw(13) << "TYPE" << ' ' << std::setw(20) << "AUTH" << ' ' << "CREATED\n";
  }
  for (const store::Client& c : *all) {
    if (as_json) {
      std::cout << api::dump_json(auth::client_json(c)) << '\n';
    } else {
      std::cout << std::left << std::setw(36) << c.id << ' ' << std::setw(27) << c.name << ' '
                << std::setw(13) << store::to_string(c.type) << ' ' << std::setw(20)
                << store::to_string(c.auth_method) << ' ' << utc_time(c.created_at) << '\n';
    }
  }
  std::cout << std::flush;
  return kExitOk;
}

enum class Action { kShow, kRemove, kRotateSecret };

int act_on_client(const ConfigFlags& flags, const std::string& id, Action action) {
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  auth::ClientService& clients = *(*s)->clients;
  switch (action) {
    case Action::kShow: {
      auto c = clients.find(id);
      if (!c) return fail(kExitUsage, id + ": " + reason(c.error()));
      std::cout << api::dump_json(auth::client_json(*c)) << std::endl;
      break;
    }
    case Action::kRemove: {
      auto r = clients.remove(id, kCliActor);
      if (!r) return fail(kExitUsage, "cannot remove " + id + ": " + reason(r.error()));
      std::cout << "removed " << id << std::endl;
      break;
    }
    case Action::kRotateSecret: {
      auto secret = clients.rotate_secret(id, kCliActor);
      if (!secret) return fail(kExitUsage, "cannot rotate " + id + ": " + reason(secret.error()));
      std::cout << api::dump_json(
                       nlohmann::ordered_json{{"client_id", id}, {"client_secret", *secret}})
                << std::endl;
      break;
    }
  }
  return kExitOk;
}

}  // namespace

void add_client_commands(CLI::App& root, Commands& out) {
  CLI::App* client = root.add_subcommand("client", "Administer OAuth 2.0 clients");
  client->require_subcommand(1);

  CLI::App* add = client->add_subcommand("add", "Register a client; prints it as JSON");
  auto add_flags = std::make_shared<ConfigFlags>(add);
  auto a = std::make_shared<AddArgs>();
  add->add_option("--name", a->name, "A name people recognise")->required();
  add->add_option("--type", a->type, "public | confidential")->required();
  add->add_option("--auth-method", a->auth_method,
                  "none | client_secret_basic | client_secret_post | private_key_jwt");
  add->add_option("--redirect-uri", a->redirect_uris, "A redirect URI (repeatable)");
  add->add_option("--post-logout-redirect-uri", a->post_logout_redirect_uris,
                  "A post-logout redirect URI (repeatable)");
  add->add_option("--grant", a->grants,
                  "authorization_code | refresh_token | client_credentials (repeatable)");
  add->add_option("--scope", a->scopes, "A scope the client may ask for (repeatable)");
  add->add_flag("--first-party", a->first_party, "The operator's own app: no consent page");
  add->add_option("--jwks", a->jwks_file, "A file with the client's JWK Set (private_key_jwt)");
  out.push_back({add, [add_flags, a] { return add_client(*add_flags, *a); }});

  CLI::App* list = client->add_subcommand("list", "List clients");
  auto list_flags = std::make_shared<ConfigFlags>(list);
  auto as_json = std::make_shared<bool>(false);
  list->add_flag("--json", *as_json, "One JSON object per line instead of a table");
  out.push_back({list, [list_flags, as_json] { return list_clients(*list_flags, *as_json); }});

  struct Spec {
    const char* name;
    const char* help;
    Action action;
  };
  for (const Spec& spec : {Spec{"show", "Show a client as JSON", Action::kShow},
                           Spec{"remove", "Remove a client", Action::kRemove},
                           Spec{"rotate-secret", "Give a client a new secret (printed once)",
                                Action::kRotateSecret}}) {
    CLI::App* cmd = client->add_subcommand(spec.name, spec.help);
    auto flags = std::make_shared<ConfigFlags>(cmd);
    auto id = std::make_shared<std::string>();
    cmd->add_option("ID", *id, "The client_id")->required();
    Action action = spec.action;
    out.push_back({cmd, [flags, id, action] { return act_on_client(*flags, *id, action); }});
  }
}

}  // namespace tessera::cli
