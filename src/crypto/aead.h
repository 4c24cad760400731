// Authenticated encryption for secrets at rest (signing keys in the keyring, the sealed
// successor of a rotated refresh token): XChaCha20-Poly1305 (libsodium), a random 192-bit
// nonce per message (random nonces are safe at this size), and associated data that binds the
// ciphertext to its context (e.g. the key id), so a sealed value moved to another record does
// not open.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::crypto {

inline constexpr std::size_t kAeadKeyBytes = 32;
using AeadKey = std::array<unsigned char, kAeadKeyBytes>;

// nonce || ciphertext || tag (24 + plaintext.size() + 16 bytes), binary.
std::string seal(const AeadKey& key, std::string_view plaintext, std::string_view ad);

// The plaintext, or nullopt if `sealed` is too short, was made with another key or another
// `ad`, or was altered.
std::optional<std::string> open(const AeadKey& key, std::string_view sealed, std::string_view ad);

// A 32-byte key from `ikm` (itself at least 32 bytes of secret, e.g. a raw 256-bit token) and
// a context label: BLAKE2b keyed by ikm over the label. Different labels give unrelated keys.
AeadKey derive_key(std::string_view ikm, std::string_view label);

}  // namespace tessera::crypto
