// Loading keys named on the command line. Errors are messages for stderr (exit 2).
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "tessera/jwk.h"

namespace tessera::cli {

// "" -> nullopt; a known JWS algorithm name -> it; anything else -> error.
std::expected<std::optional<jose::Alg>, std::string> parse_alg_flag(const std::string& name);

std::expected<jose::Jwk, std::string> load_jwk(const std::string& path,
                                               std::optional<jose::Alg> hint);

// Either several single-JWK files or one JWKS file.
std::expected<jose::Jwks, std::string> load_keys(const std::vector<std::string>& jwk_files,
                                                 const std::string& jwks_file,
                                                 std::optional<jose::Alg> hint);

}  // namespace tessera::cli
