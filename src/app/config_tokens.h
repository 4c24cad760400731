// [tokens], [refresh], [keys] and [revocation]: access tokens, refresh families, the signing
// keyring and the denylist. Every key is a member below with its default and meaning;
// config_tokens.cc binds and checks them.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct TokensSection {
  static constexpr std::string_view kName = "tokens";

  std::string issuer;                // access tokens' "iss"; empty: the server's own URL
  std::string audience = "tessera";  // access tokens' "aud"
  std::string algorithm = "ES256";   // ES256 | EdDSA | RS256 | PS256 | HS256 | HS384 | HS512
  std::chrono::seconds access_ttl = std::chrono::minutes{15};
  std::chrono::seconds leeway{30};  // clock skew accepted on exp/nbf/iat

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct RefreshSection {
  static constexpr std::string_view kName = "refresh";

  std::chrono::seconds absolute_lifetime = std::chrono::days{30};  // a refresh family's whole life
  std::chrono::seconds idle_timeout = std::chrono::days{7};  // longest gap between two refreshes
  // A rotated token presented again within this gets the same successor (two tabs); 0: every
  // reuse revokes the family.
  std::chrono::seconds reuse_grace{0};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct KeysSection {
  static constexpr std::string_view kName = "keys";

  // SECRET: base64url of 32 bytes sealing the private keys in the store; empty:
  // <data_dir>/master.key (created 0600).
  std::string encryption_key;
  std::chrono::seconds rotate_every{0};  // automatic rotation period; 0: off (tessera keys rotate)
  // Cache-Control max-age of /.well-known/jwks.json.
  std::chrono::seconds jwks_max_age = std::chrono::minutes{5};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct RevocationSection {
  static constexpr std::string_view kName = "revocation";

  std::size_t bloom_expected = 100'000;  // denylisted tokens alive at once (sizes the Bloom filter)
  // Its false-positive rate at that size, per million.
  std::size_t bloom_false_positive_ppm = 1'000;

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
