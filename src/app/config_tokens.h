// [tokens], [refresh], [keys] and [revocation]: access tokens, refresh families, the signing
// keyring and the denylist. Every key is a member below with its default; config_tokens.cc binds
// each to its name and its doc (what it means, printed by `tessera config reference` into
// docs/configuration.md) and checks them.
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
  static constexpr std::string_view kDoc =
      "JWT access tokens: who issues them, for whom, how they are signed and how long they live.";

  std::string issuer;
  std::string audience = "tessera";
  std::string algorithm = "ES256";
  std::chrono::seconds access_ttl = std::chrono::minutes{15};
  std::chrono::seconds leeway{30};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct RefreshSection {
  static constexpr std::string_view kName = "refresh";
  static constexpr std::string_view kDoc =
      "Refresh-token families: their lifetime and what happens when a rotated token comes back.";

  std::chrono::seconds absolute_lifetime = std::chrono::days{30};
  std::chrono::seconds idle_timeout = std::chrono::days{7};
  std::chrono::seconds reuse_grace{0};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct KeysSection {
  static constexpr std::string_view kName = "keys";
  static constexpr std::string_view kDoc =
      "The signing keyring and the master key that seals its private keys.";

  std::string encryption_key;
  std::chrono::seconds rotate_every{0};
  std::chrono::seconds jwks_max_age = std::chrono::minutes{5};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct RevocationSection {
  static constexpr std::string_view kName = "revocation";
  static constexpr std::string_view kDoc =
      "The denylist of revoked access tokens, kept behind a Bloom filter.";

  std::size_t bloom_expected = 100'000;
  std::size_t bloom_false_positive_ppm = 1'000;

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
