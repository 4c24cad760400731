// The signing keyring (SPEC.md "Tokens": next -> active -> retired -> removed), stored as a
// whole with a version number. Writers read it, compute the next keyring (auth/keyring.h owns
// the rules) and replace it with compare-and-set on the version, so a CLI `keys rotate` and a
// server's automatic rotation can never interleave into a keyring with two active keys.
// Implementations: memory/, sqlite/ (postgres/ later). Thread-safe.
//
// Private key material reaches the store only sealed (encrypted by auth/keyring under the key
// from configuration); the store treats it as opaque text.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "store/types.h"

namespace tessera::store {

enum class KeyState : std::uint8_t { kNext, kActive, kRetired };

std::string_view to_string(KeyState s);  // "next" | "active" | "retired"

struct SigningKey {
  std::string kid;  // unique within the keyring
  std::string alg;  // JWS algorithm, e.g. "ES256"
  KeyState state = KeyState::kNext;
  std::string public_jwk;      // JWK JSON with public members only ("" for HS* secrets)
  std::string sealed_private;  // the private JWK, sealed; opaque here
  std::int64_t created_at = 0;
  std::int64_t activated_at = 0;  // 0: never signed
  std::int64_t retired_at = 0;    // 0: not retired
};

struct Keyring {
  std::int64_t version = 0;  // 0: never written (no keys)
  std::vector<SigningKey> keys;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // The stored keyring, keys in the order they were written. Version 0 with no keys if none.
  virtual std::expected<Keyring, StoreError> load() = 0;

  // The stored version only (cheap: servers poll it to notice another process's rotation).
  virtual std::expected<std::int64_t, StoreError> version() = 0;

  // Replaces every key with `keys` if the stored version is still `expected_version`, and
  // returns the new version (expected_version + 1). kConflict if another writer replaced it
  // first (nothing changed; reload and retry), and also if two of `keys` share a kid (nothing
  // changed; a caller bug). Atomic across processes: of N concurrent calls with the same
  // expected_version exactly one succeeds.
  virtual std::expected<std::int64_t, StoreError> replace(std::int64_t expected_version,
                                                          const std::vector<SigningKey>& keys) = 0;
};

}  // namespace tessera::store
