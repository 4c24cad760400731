// tessera keys generate|public: JWK generation and public-key extraction. (Keyring management
// against a running server's store, `keys list|rotate`, comes with the token service.)
#include <iostream>
#include <memory>

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
}

}  // namespace tessera::cli
