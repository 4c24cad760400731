#include "app/config_tokens.h"

#include "app/data_dir.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;
using std::chrono::seconds;

std::vector<Field> TokensSection::fields() {
  return {
      {kName, "issuer", &issuer,
       "The access tokens' `iss`; empty: the server's own URL. Must be set with `store.backend = "
       "\"postgres\"`, so that every node signs and accepts the same one."},
      {kName, "audience", &audience, "The access tokens' `aud`, which verifiers check. Not empty."},
      {kName, "algorithm", &algorithm,
       "The algorithm of the signing keys made from now on: `ES256`, `EdDSA`, `RS256`, `PS256`, "
       "`HS256`, `HS384` or `HS512`."},
      {kName, "access_ttl", &access_ttl,
       "How long an access token is valid (`exp` - `iat`). 10s..1d."},
      {kName, "leeway", &leeway,
       "Clock skew accepted on `exp`, `nbf` and `iat` when this server verifies a token. 0s..5m."},
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
      {kName, "absolute_lifetime", &absolute_lifetime,
       "A refresh family's whole life from its sign-in, however often it rotates. At least "
       "`idle_timeout`."},
      {kName, "idle_timeout", &idle_timeout,
       "The longest gap between two refreshes before the family ends. At least 1m."},
      {kName, "reuse_grace", &reuse_grace,
       "A rotated refresh token presented again within this gets the same successor (two tabs "
       "refreshing at once); 0: any reuse revokes the whole family. 0s..1m."},
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
      {kName, "encryption_key", &encryption_key,
       "The master key: base64url of 32 bytes, sealing the private signing keys and TOTP secrets "
       "in the store. Empty: the file `<data_dir>/master.key` (created with mode 0600); required "
       "with `store.backend = \"postgres\"`.",
       /*secret=*/true},
      {kName, "rotate_every", &rotate_every,
       "The automatic key rotation period; 0: off (rotate with `tessera keys rotate`). Otherwise "
       "longer than `jwks_max_age` + `tokens.access_ttl` + `tokens.leeway`, so verifiers see each "
       "key before it signs."},
      {kName, "jwks_max_age", &jwks_max_age,
       "The `Cache-Control` max-age of `/.well-known/jwks.json`. 0s..1d."},
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
      {kName, "bloom_expected", &bloom_expected,
       "How many denylisted tokens are alive at once, to size the Bloom filter. 1..100000000."},
      {kName, "bloom_false_positive_ppm", &bloom_false_positive_ppm,
       "The Bloom filter's false-positive rate at that size, per million: a false positive costs a "
       "look-up, never a wrong answer. 1..100000."},
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
