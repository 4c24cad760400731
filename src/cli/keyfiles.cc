#include "cli/keyfiles.h"

#include "cli/io.h"

namespace tessera::cli {

std::expected<std::optional<jose::Alg>, std::string> parse_alg_flag(const std::string& name) {
  if (name.empty()) return std::nullopt;
  auto alg = jose::alg_from_name(name);
  if (!alg)
    return std::unexpected("unknown algorithm '" + name +
                           "' (HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512, EdDSA)");
  return alg;
}

std::expected<jose::Jwk, std::string> load_jwk(const std::string& path,
                                               std::optional<jose::Alg> hint) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  auto key = jose::Jwk::parse(*text, hint);
  if (!key) return std::unexpected(path + ": " + std::string(jose::describe(key.error())));
  return std::move(*key);
}

std::expected<jose::Jwks, std::string> load_keys(const std::vector<std::string>& jwk_files,
                                                 const std::string& jwks_file,
                                                 std::optional<jose::Alg> hint) {
  if (!jwks_file.empty()) {
    auto text = read_file(jwks_file);
    if (!text) return std::unexpected(text.error());
    auto set = jose::Jwks::parse(*text, hint);
    if (!set) return std::unexpected(jwks_file + ": " + std::string(jose::describe(set.error())));
    return std::move(*set);
  }
  std::vector<jose::Jwk> keys;
  for (const std::string& f : jwk_files) {
    auto k = load_jwk(f, hint);
    if (!k) return std::unexpected(k.error());
    for (const jose::Jwk& other : keys) {
      if (!k->kid().empty() && other.kid() == k->kid())
        return std::unexpected(f + ": duplicate kid " + k->kid());
    }
    keys.push_back(std::move(*k));
  }
  return jose::Jwks(std::move(keys));
}

}  // namespace tessera::cli
