#include "verifier/jti.h"

#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::verifier {
namespace {

constexpr std::size_t kTimeBytes = 6;
constexpr std::size_t kRandomBytes = 16;
constexpr std::size_t kChars = 30;  // base64url of 22 bytes

}  // namespace

std::string new_jti(std::int64_t issued_ms) {
  std::string raw(kTimeBytes, '\0');
  for (std::size_t i = 0; i < kTimeBytes; ++i) {
    raw[kTimeBytes - 1 - i] = static_cast<char>((issued_ms >> (8 * i)) & 0xff);
  }
  raw += crypto::random_bytes(kRandomBytes);
  return base::base64url_encode(raw);
}

std::optional<std::int64_t> jti_issued_ms(std::string_view jti) {
  if (jti.size() != kChars) return std::nullopt;
  auto raw = base::base64url_decode(jti);
  if (!raw || raw->size() != kTimeBytes + kRandomBytes) return std::nullopt;
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < kTimeBytes; ++i) {
    ms = (ms << 8) | static_cast<unsigned char>((*raw)[i]);
  }
  return ms;
}

}  // namespace tessera::verifier
