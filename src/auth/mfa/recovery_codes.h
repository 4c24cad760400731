// Recovery codes (SPEC.md "Second factors and step-up"): 10 single-use codes handed out once at
// TOTP confirmation, for when the authenticator is lost. Pure functions: the caller stores the
// hashes (never the codes) and the store consumes one atomically.
//
// Format: three groups of four characters joined by '-', e.g. "k7wm-2hqe-9xpa", drawn uniformly
// from kRecoveryAlphabet: lower-case letters and digits without the look-alikes 0/o, 1/l/i
// (31 symbols). Entropy: 12 * log2(31) = 59.4 bits per code, above the 50 bits asked for; with
// the login rate limit in front of them, guessing one of 10 is out of reach.
//
// Hashing: HMAC-SHA-256 under a server key, not a password hash. The codes are random (59 bits),
// so a slow hash buys little; a keyed MAC is deterministic, so the store can look a code up by
// its hash and consume it in one atomic statement; and since the key is derived from the master
// key (never stored in the database), a leaked database alone cannot be brute-forced offline:
// without the key no guess can be checked.
//
// Thread-safe: no state.
//
// Usage:
//   const crypto::AeadKey k = crypto::derive_key(master_key, mfa::kRecoveryCodeKeyLabel);
//   const crypto::HmacKey key(crypto::Hash::kSha256, std::string_view(
//       reinterpret_cast<const char*>(k.data()), k.size()));
//   for (const auto& code : mfa::generate_recovery_codes()) {
//     hashes.push_back(*mfa::hash_recovery_code(key, code));   // show `code` once, keep the hash
//   }
//   ...
//   if (auto h = mfa::hash_recovery_code(key, typed)) store.consume_recovery_code(user, *h);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"

namespace tessera::auth::mfa {

inline constexpr std::string_view kRecoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";
inline constexpr std::size_t kRecoveryCodeCount = 10;
inline constexpr std::size_t kRecoveryGroups = 3;
inline constexpr std::size_t kRecoveryGroupChars = 4;
// Characters of a code in canonical form (no separators).
inline constexpr std::size_t kRecoveryCodeChars = kRecoveryGroups * kRecoveryGroupChars;
// The bytes of a hash_recovery_code() value.
inline constexpr std::size_t kRecoveryHashBytes = 32;
// The label to derive the recovery-code key from the master key with (crypto::derive_key).
inline constexpr std::string_view kRecoveryCodeKeyLabel = "tessera recovery codes v1";
// Longest input normalize_recovery_code() reads; anything longer is refused unread.
inline constexpr std::size_t kRecoveryInputMaxChars = 64;

// kRecoveryCodeCount distinct new codes in display form ("k7wm-2hqe-9xpa"), from the CSPRNG
// (crypto::random_bytes, rejection-sampled so every symbol is equally likely).
std::vector<std::string> generate_recovery_codes();

// The canonical form of a typed code: ASCII letters lower-cased, spaces and '-' dropped, and
// then exactly kRecoveryCodeChars characters of kRecoveryAlphabet ("k7wm2hqe9xpa"). nullopt for
// any other character (including the look-alikes 0, 1, i, l, o, tabs and non-ASCII bytes), a
// wrong length, or input longer than kRecoveryInputMaxChars.
std::optional<std::string> normalize_recovery_code(std::string_view input);

// HMAC-SHA-256 under `key` of normalize_recovery_code(code): kRecoveryHashBytes raw bytes, the
// same for every spelling of one code. nullopt when the code does not normalize, or when `key`
// is not an HMAC-SHA-256 key.
std::optional<std::string> hash_recovery_code(const crypto::HmacKey& key, std::string_view code);

}  // namespace tessera::auth::mfa
