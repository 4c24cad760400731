// Argon2id password hashing (RFC 9106) through libsodium, stored as PHC strings:
//   $argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>
//
// Costly on purpose (tens of milliseconds, tens of MiB): call these only from the hashing
// worker pool (auth/hash_pool.h), never from a thread that serves requests. Thread-safe.
//
// Usage:
//   auto phc = crypto::hash_password(pw, params);          // at signup / password change
//   if (crypto::verify_password(stored, pw)) { ... }       // at login
//   if (crypto::password_needs_rehash(stored, params)) {...} // after a successful login
//
// Tests count the Argon2id work instead of timing it (PasswordWorkRecorder below).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::crypto {

// Argon2id cost. Lanes (p) are always 1: libsodium's Argon2id is single-lane.
// Defaults are OWASP's minimum recommendation (m = 19 MiB, t = 2, p = 1).
struct PasswordParams {
  std::uint32_t memory_kib = 19 * 1024;  // m: memory in KiB (libsodium memlimit = m * 1024 bytes)
  std::uint32_t iterations = 2;          // t: passes (libsodium opslimit = t for Argon2id)

  friend bool operator==(const PasswordParams&, const PasswordParams&) = default;
};

// The smallest parameters libsodium accepts (memlimit 8 KiB, opslimit 1): tests only.
inline constexpr PasswordParams kMinPasswordParams{.memory_kib = 8, .iterations = 1};

// Longest password accepted anywhere: bounds the work one request can cause (Argon2id's
// pre-hash reads the whole password).
inline constexpr std::size_t kMaxPasswordBytes = 1024;

enum class PasswordError : std::uint8_t {
  kEmpty,      // the empty password is never hashed
  kTooLong,    // more than kMaxPasswordBytes
  kBadParams,  // outside libsodium's limits (m < 8 KiB, t < 1, or absurdly large)
  kInternal,   // libsodium failed (out of memory)
};

std::string_view describe(PasswordError e);

// A fresh PHC string for `password` with a random 128-bit salt.
std::expected<std::string, PasswordError> hash_password(std::string_view password,
                                                        const PasswordParams& params);

// Whether `password` matches `phc`. False (never an error) for malformed or unsupported PHC
// strings and for passwords that are empty or too long. The comparison of the computed and
// stored hash is constant-time (libsodium); the cost is set by the parameters inside `phc`.
bool verify_password(std::string_view phc, std::string_view password);

// Whether a hash that just verified should be replaced: true when `phc` is not Argon2id v19 or
// uses less memory or fewer passes than `params`. Unlike crypto_pwhash_str_needs_rehash (which
// fires on any difference), a hash STRONGER than the configuration is kept: lowering the
// configured cost never silently weakens stored hashes.
bool password_needs_rehash(std::string_view phc, const PasswordParams& params);

// The Argon2id parameters inside a PHC string, or nullopt if it is not $argon2id$v=19$...
std::optional<PasswordParams> parse_password_params(std::string_view phc);

// --- Observing the Argon2id work (tests) -------------------------------------------------------

// One call into libsodium's password hashing by hash_password or verify_password.
struct PasswordWork {
  enum class Kind : std::uint8_t { kHash, kVerify };
  Kind kind = Kind::kVerify;
  // The Argon2id cost of the PHC string verified or produced. nullopt when the verified string
  // is not $argon2id$v=19$...: then libsodium runs Argon2i for an $argon2i$ string and refuses
  // anything else at once, so set params (with the expected phc) are what prove a full run.
  std::optional<PasswordParams> params;
  std::string phc;  // the PHC string verified, or produced (empty if hashing failed)
};

// While alive, records every call that hash_password and verify_password make into libsodium
// ON THE THREAD THAT CREATED IT. Input they refuse first (empty or oversized password; a PHC
// string that is empty, too long, holds a NUL or has a cost above the cap) is not recorded:
// no hashing runs for it. Other threads (the hash pool's workers, the async UserService
// calls) are not seen, so a test's counts are exact whatever else the process does.
// Recorders nest: the innermost one records. Create and destroy it on the same thread.
//
//   crypto::PasswordWorkRecorder rec;
//   service.verify_credentials_now(email, pw);  // hashes on the calling thread
//   EXPECT_EQ(rec.work().size(), 1u);
class PasswordWorkRecorder {
 public:
  PasswordWorkRecorder();
  ~PasswordWorkRecorder();
  PasswordWorkRecorder(const PasswordWorkRecorder&) = delete;
  PasswordWorkRecorder& operator=(const PasswordWorkRecorder&) = delete;

  // In the order it was started.
  const std::vector<PasswordWork>& work() const { return work_; }

 private:
  std::vector<PasswordWork> work_;
  std::vector<PasswordWork>* outer_;  // the enclosing recorder's, restored on destruction
};

}  // namespace tessera::crypto
