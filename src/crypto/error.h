// Failures of the crypto layer. Detailed for logs and tests; callers map them to their own
// error domain (jose::Error) before anything reaches a user.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::crypto {

enum class Error : std::uint8_t {
  kInvalidKey,    // components missing, malformed, inconsistent, or point not on the curve
  kWeakKey,       // below the minimum size (RSA < 2048 bits, HMAC shorter than its hash)
  kUnsupported,   // a key shape or parameter this build does not handle
  kNoPrivateKey,  // signing asked of a public key
  kInternal,      // OpenSSL failed where it should not (allocation, provider)
};

std::string_view describe(Error e);

}  // namespace tessera::crypto
