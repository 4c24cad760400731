// SHA-2 digests and HMAC on the token hot path.
//
// HMAC keys precompute their inner and outer SHA-2 states once; each MAC then copies two
// plain structs and hashes the message, with no allocation and no provider look-up. (OpenSSL
// 3.0's EVP_MAC re-init duplicates provider contexts on the heap on every call.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tessera::crypto {

enum class Hash : std::uint8_t { kSha256, kSha384, kSha512 };

// Output size in bytes: 32, 48 or 64.
constexpr std::size_t hash_size(Hash h) {
  return h == Hash::kSha256 ? 32 : h == Hash::kSha384 ? 48 : 64;
}

// A digest or MAC value of up to 64 bytes.
struct Digest {
  std::array<unsigned char, 64> bytes{};
  std::size_t size = 0;
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), size}; }
};

Digest digest(Hash h, std::string_view data);
std::array<unsigned char, 32> sha256(std::string_view data);

// Constant-time equality of two byte strings (length is not secret).
bool constant_time_equal(std::string_view a, std::string_view b);

// An HMAC key with precomputed pads. Immutable after construction: `mac` and `verify` are
// const and safe to call from many threads at once.
class HmacKey {
 public:
  // REQUIRES: secret is not empty. Minimum lengths are the caller's policy (jose enforces
  // "secret >= hash size").
  HmacKey(Hash h, std::string_view secret);
  ~HmacKey();
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;

  Hash hash() const { return hash_; }
  Digest mac(std::string_view data) const;
  // Constant-time comparison of mac(data) with `tag`.
  bool verify(std::string_view data, std::string_view tag) const;

 private:
  struct State;
  Hash hash_;
  std::unique_ptr<State> state_;
};

// Bytes from the OS CSPRNG (OpenSSL's DRBG seeded from getrandom). Aborts if the CSPRNG
// fails: there is no safe fallback for key or token material.
std::string random_bytes(std::size_t n);

}  // namespace tessera::crypto

namespace tessera::crypto {
// Overwrites `s`'s bytes with zeros in a way the optimizer keeps (for secrets going away).
void cleanse(std::string& s);
}  // namespace tessera::crypto
