// tessera token verify|decode: JWT access tokens (RFC 9068) from the command line.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/base64url.h"
#include "base/clock.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "cli/keyfiles.h"
#include "tessera/jwt.h"

namespace tessera::cli {
namespace {

struct VerifyArgs {
  std::string jwks_file, iss, aud;
  std::optional<std::int64_t> now;
  std::int64_t leeway = 30;
};

int run_verify(const VerifyArgs& a) {
  if (a.leeway < 0 || a.leeway > 86400)
    return fail(kExitUsage, "--leeway must be between 0 and 86400 seconds");
  auto keys = load_keys({}, a.jwks_file, std::nullopt);
  if (!keys) return fail(kExitUsage, keys.error());
  auto input = read_stdin(jose::kMaxTokenSize + 4096);
  if (!input) return fail(kExitRejected, "invalid token: " + input.error());
  jose::ClaimsPolicy policy;
  policy.issuer = a.iss;
  policy.audience = a.aud;
  policy.leeway_seconds = a.leeway;
  const std::int64_t now = a.now ? *a.now : base::SystemClock().now_unix();
  auto claims = jose::verify_jwt(trim(*input), *keys, policy, now);
  if (!claims)
    return fail(kExitRejected,
                std::string("invalid token: ") + std::string(jose::describe(claims.error())));
  std::cout << claims->json << '\n' << std::flush;
  return kExitOk;
}

// Decodes one base64url JSON part for display; nullopt if it is not that.
std::optional<nlohmann::json> decode_part(std::string_view part) {
  auto bytes = base::base64url_decode(part);
  if (!bytes) return std::nullopt;
  auto j = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

int run_decode() {
  auto input = read_stdin(jose::kMaxTokenSize + 4096);
  if (!input) return fail(kExitUsage, input.error());
  const std::string_view token = trim(*input);
  if (token.size() > jose::kMaxTokenSize) return fail(kExitUsage, "token larger than 8 KiB");
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return fail(kExitUsage, "not a compact JWS (three base64url parts)");
  }
  auto header = decode_part(token.substr(0, d1));
  auto claims = decode_part(token.substr(d1 + 1, d2 - d1 - 1));
  if (!header) return fail(kExitUsage, "header is not base64url JSON");
  if (!claims) return fail(kExitUsage, "payload is not base64url JSON");
  nlohmann::ordered_json out;
  out["verified"] = false;
  out["warning"] = "UNVERIFIED: the signature and claims were not checked";
  out["header"] = *header;
  out["claims"] = *claims;
  std::cout << out.dump(2) << '\n' << std::flush;
  return kExitOk;
}

}  // namespace

void add_token_commands(CLI::App& root, Commands& out) {
  CLI::App* token = root.add_subcommand("token", "Verify or decode JWT access tokens");
  token->require_subcommand(1);

  auto va = std::make_shared<VerifyArgs>();
  CLI::App* verify = token->add_subcommand(
      "verify", "Verify a JWT (RFC 9068 profile) read from stdin; prints the claims");
  verify->add_option("--jwks", va->jwks_file, "JWK Set file")->required();
  verify->add_option("--iss", va->iss, "Expected issuer")->required();
  verify->add_option("--aud", va->aud, "Expected audience")->required();
  verify->add_option("--now", va->now, "Current time, Unix seconds (default: the clock)");
  verify->add_option("--leeway", va->leeway, "Clock-skew leeway in seconds (default 30)");
  out.push_back({verify, [va] { return run_verify(*va); }});

  CLI::App* decode =
      token->add_subcommand("decode", "Print a token's header and claims WITHOUT verifying them");
  out.push_back({decode, [] { return run_decode(); }});
}

}  // namespace tessera::cli
