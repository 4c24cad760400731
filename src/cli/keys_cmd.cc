// tessera keys generate|public|list|rotate
//
//   keys generate --alg ALG [--kid KID]   print a new private JWK (standalone)
//   keys public                           private JWK on stdin -> its public JWK (standalone)
//   keys list [--json]                    the keyring in the store: kid, alg, state, times
//   keys rotate [--emergency]             next -> active -> retired (auth/keyring.h); with
//                                         --emergency every existing key is dropped at once
//                                         and every access token already issued fails
//
// list and rotate take --data-dir/--config and work on the store a server may be running on:
// the server picks a rotation up within a second (its maintenance thread polls the keyring
// version). Rotations are audited ("keys.rotated", actor "cli"). Exit 0, or 2 with a message.
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/admin_services.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/keyfiles.h"
#include "tessera/jwk.h"

namespace tessera::cli {
namespace {

struct GenerateArgs {
  std::string alg, kid;
};

int run_generate(const GenerateArgs& a) {
  auto alg = parse_alg_flag(a.alg);
  if (!alg) return fail(kExitUsage, alg.error());
  if (!*alg) return fail(kExitUsage, "--alg is required");
  auto key = jose::Jwk::generate(**alg, a.kid);
  if (!key)
    return fail(kExitUsage,
                std::string("cannot generate key: ") + std::string(jose::describe(key.error())));
  std::cout << key->to_json(true) << '\n' << std::flush;
  return kExitOk;
}

int run_public() {
  auto text = read_stdin();
  if (!text) return fail(kExitUsage, text.error());
  auto key = jose::Jwk::parse(*text);
  if (!key)
    return fail(kExitUsage, std::string("stdin: ") + std::string(jose::describe(key.error())));
  if (key->is_symmetric())
    return fail(kExitUsage, "an oct key is a shared secret: it has no public form");
  std::cout << key->public_key().to_json(false) << '\n' << std::flush;
  return kExitOk;
}

// "-" for a time that never happened (0).
std::string utc(std::int64_t unix_seconds) {
  return unix_seconds == 0 ? "-" : utc_time(unix_seconds);
}

int run_list(const ConfigFlags& flags, bool as_json) {
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  const std::vector<auth::KeyInfo> keys = (*s)->keyring->list();
  if (!as_json) {
    std::cout << std::left << std::setw(45) << "KID" << std::setw(7) << "ALG" << std::setw(9)
              << "STATE" << std::setw(22) << "CREATED" << std::setw(22) << "ACTIVATED"
              << std::setw(22) << "RETIRED"
              << "REMOVABLE\n";
  }
  for (const auth::KeyInfo& k : keys) {
    if (as_json) {
      nlohmann::ordered_json j = {{"kid", k.kid},
                                  {"alg", k.alg},
                                  {"state", store::to_string(k.state)},
                                  {"created_at", k.created_at},
                                  {"activated_at", k.activated_at},
                                  {"retired_at", k.retired_at},
                                  {"removable_at", k.removable_at}};
      std::cout << j.dump() << '\n';
    } else {
      std::cout << std::left << std::setw(45) << k.kid << std::setw(7) << k.alg << std::setw(9)
                << store::to_string(k.state) << std::setw(22) << utc(k.created_at) << std::setw(22)
                << utc(k.activated_at) << std::setw(22) << utc(k.retired_at) << utc(k.removable_at)
                << '\n';
    }
  }
  std::cout << std::flush;
  return kExitOk;
}

int run_rotate(const ConfigFlags& flags, bool emergency) {
  auto s = open_admin_services(flags);
  if (!s) return fail(kExitUsage, s.error());
  auto view = (*s)->keyring->rotate(emergency);
  if (!view) return fail(kExitUsage, "cannot rotate the keys: " + auth::describe(view.error()));
  const std::string active = (*view)->signer ? (*view)->signer->kid() : "";
  (void)(*s)->audit->record(auth::AuditType::kKeysRotated, (*s)->clock.now_unix(), kCliActor,
                            {{"emergency", emergency}, {"active", active}, {"by", "cli"}});
  std::cout << (emergency ? "emergency rotation: every earlier key removed; " : "rotated; ")
            << "active key " << active << std::endl;
  return kExitOk;
}

}  // namespace

void add_keys_commands(CLI::App& root, Commands& out) {
  CLI::App* keys = root.add_subcommand("keys", "Signing keys");
  keys->require_subcommand(1);

  auto ga = std::make_shared<GenerateArgs>();
  CLI::App* gen = keys->add_subcommand("generate", "Print a new private JWK");
  gen->add_option("--alg", ga->alg,
                  "Algorithm: HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA")
      ->required();
  gen->add_option("--kid", ga->kid, "Key id (default: the RFC 7638 thumbprint)");
  out.push_back({gen, [ga] { return run_generate(*ga); }});

  CLI::App* pub =
      keys->add_subcommand("public", "Read a private JWK on stdin, print its public JWK");
  out.push_back({pub, [] { return run_public(); }});

  CLI::App* list = keys->add_subcommand("list", "List the keyring in the store");
  auto list_flags = std::make_shared<ConfigFlags>(list);
  auto as_json = std::make_shared<bool>(false);
  list->add_flag("--json", *as_json, "One JSON object per line instead of a table");
  out.push_back({list, [list_flags, as_json] { return run_list(*list_flags, *as_json); }});

  CLI::App* rotate = keys->add_subcommand(
      "rotate", "Promote the next key to active and retire the active one (in the store)");
  auto rotate_flags = std::make_shared<ConfigFlags>(rotate);
  auto emergency = std::make_shared<bool>(false);
  rotate->add_flag("--emergency", *emergency,
                   "Drop every existing key at once: every access token issued so far fails");
  out.push_back(
      {rotate, [rotate_flags, emergency] { return run_rotate(*rotate_flags, *emergency); }});
}

}  // namespace tessera::cli
