#include "app/config_tokens.h"

#include "app/data_dir.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;
using std::chrono::seconds;

std::vector<Field> TokensSection::fields() {
  return {
      {kName, "issuer", &issuer},       {kName, "audience", &audience},
      {kName, "algorithm", &algorithm}, {kName, "access_ttl", &access_ttl},
      {kName, "leeway", &leeway},
  };
}

std::optional<Problem> TokensSection::check() const {
  if (audience.empty()) return Problem{"audience", "must not be empty"};
  if (!one_of(algorithm, {"ES256", "EdDSA", "RS256", "PS256", "HS256", "HS384", "HS512"})) {
    return Problem{"algorithm", "must be one of ES256, EdDSA, RS256, PS256, HS256, HS384, HS512"};
  }
  if (access_ttl < seconds(10) || access_ttl > std::chrono::days{1}) {
    return Problem{"access_ttl", "must be 10s..1d"};
  }
  if (leeway > std::chrono::minutes{5}) return Problem{"leeway", "must be 0s..5m"};
  return std::nullopt;
}

std::vector<Field> RefreshSection::fields() {
  return {
      {kName, "absolute_lifetime", &absolute_lifetime},
      {kName, "idle_timeout", &idle_timeout},
      {kName, "reuse_grace", &reuse_grace},
  };
}

std::optional<Problem> RefreshSection::check() const {
  if (idle_timeout < std::chrono::minutes{1}) return Problem{"idle_timeout", "must be at least 1m"};
  if (absolute_lifetime < idle_timeout) {
    return Problem{"absolute_lifetime", "must be at least refresh.idle_timeout"};
  }
  if (reuse_grace > std::chrono::minutes{1}) {
    return Problem{"reuse_grace", "must be 0s..1m (a longer window lets a thief in)"};
  }
  return std::nullopt;
}

// keys.rotate_every is bounded by [tokens] too: a cross-section rule (config.cc).
std::vector<Field> KeysSection::fields() {
  return {
      {kName, "encryption_key", &encryption_key, /*secret=*/true},
      {kName, "rotate_every", &rotate_every},
      {kName, "jwks_max_age", &jwks_max_age},
  };
}

std::optional<Problem> KeysSection::check() const {
  if (!encryption_key.empty()) {
    // The value itself is never echoed: it is a secret.
    if (auto key = master_key_from_text(encryption_key); !key) {
      return Problem{"encryption_key", key.error()};
    }
  }
  if (jwks_max_age > std::chrono::days{1}) return Problem{"jwks_max_age", "must be 0s..1d"};
  return std::nullopt;
}

std::vector<Field> RevocationSection::fields() {
  return {
      {kName, "bloom_expected", &bloom_expected},
      {kName, "bloom_false_positive_ppm", &bloom_false_positive_ppm},
  };
}

std::optional<Problem> RevocationSection::check() const {
  if (bloom_expected < 1 || bloom_expected > 100'000'000) {
    return Problem{"bloom_expected", "must be 1..100000000"};
  }
  if (bloom_false_positive_ppm < 1 || bloom_false_positive_ppm > 100'000) {
    return Problem{"bloom_false_positive_ppm", "must be 1..100000"};
  }
  return std::nullopt;
}

}  // namespace tessera::app
