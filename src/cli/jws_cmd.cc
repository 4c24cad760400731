// tessera jws sign|verify: compact JWS from the command line. Signature and header rules only;
// claims are `tessera token verify`'s job.
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/io.h"
#include "cli/keyfiles.h"
#include "tessera/jws.h"

namespace tessera::cli {
namespace {

struct VerifyArgs {
  std::vector<std::string> jwk_files;
  std::string jwks_file;
  std::string alg;
};

struct SignArgs {
  std::string jwk_file, alg, kid, typ;
};

int run_verify(const VerifyArgs& a) {
  auto alg = parse_alg_flag(a.alg);
  if (!alg) return fail(kExitUsage, alg.error());
  auto keys = load_keys(a.jwk_files, a.jwks_file, *alg);
  if (!keys) return fail(kExitUsage, keys.error());
  auto input = read_stdin(jose::kMaxTokenSize + 4096);
  if (!input) return fail(kExitRejected, "invalid token: " + input.error());
  jose::VerifyOptions options;
  if (*alg) options.allowed_algs = std::span<const jose::Alg>(&**alg, 1);
  auto v = jose::verify(trim(*input), *keys, options);
  if (!v)
    return fail(kExitRejected,
                std::string("invalid token: ") + std::string(jose::describe(v.error())));
  std::cout << v->payload << std::flush;
  return kExitOk;
}

int run_sign(const SignArgs& a) {
  auto alg = parse_alg_flag(a.alg);
  if (!alg) return fail(kExitUsage, alg.error());
  auto key = load_jwk(a.jwk_file, *alg);
  if (!key) return fail(kExitUsage, key.error());
  if (!key->is_private()) return fail(kExitUsage, a.jwk_file + ": signing needs a private key");
  if (*alg && key->alg() != **alg) {
    return fail(kExitUsage, a.jwk_file + ": the key is for " +
                                std::string(jose::alg_name(key->alg())) + ", not " + a.alg);
  }
  auto payload = read_stdin();
  if (!payload) return fail(kExitUsage, payload.error());
  auto token = jose::sign(*key, *payload, {.kid = a.kid, .typ = a.typ});
  if (!token)
    return fail(kExitUsage,
                std::string("cannot sign: ") + std::string(jose::describe(token.error())));
  std::cout << *token << '\n' << std::flush;
  return kExitOk;
}

}  // namespace

void add_jws_commands(CLI::App& root, Commands& out) {
  CLI::App* jws =
      root.add_subcommand("jws", "Sign and verify compact JWS (signature and header rules only)");
  jws->require_subcommand(1);

  auto va = std::make_shared<VerifyArgs>();
  CLI::App* verify =
      jws->add_subcommand("verify", "Verify a compact JWS read from stdin; prints the payload");
  auto* jwk_opt = verify->add_option("--jwk", va->jwk_files, "JWK file (repeatable)");
  auto* jwks_opt = verify->add_option("--jwks", va->jwks_file, "JWK Set file");
  jwk_opt->excludes(jwks_opt);
  verify->add_option("--alg", va->alg,
                     "Accept only this algorithm; also names it for keys without alg");
  out.push_back({verify, [va] {
                   if (va->jwk_files.empty() && va->jwks_file.empty()) {
                     return fail(kExitUsage, "jws verify needs --jwk FILE or --jwks FILE");
                   }
                   return run_verify(*va);
                 }});

  auto sa = std::make_shared<SignArgs>();
  CLI::App* sign =
      jws->add_subcommand("sign", "Sign the payload read from stdin; prints a compact JWS");
  sign->add_option("--jwk", sa->jwk_file, "Private JWK file")->required();
  sign->add_option("--alg", sa->alg, "Algorithm (for keys without alg; must match keys with one)");
  sign->add_option("--kid", sa->kid, "kid header (default: the key's kid)");
  sign->add_option("--typ", sa->typ, "typ header (e.g. at+jwt)");
  out.push_back({sign, [sa] { return run_sign(*sa); }});
}

}  // namespace tessera::cli
