// The one table of JWS algorithms (RFC 7518 section 3, RFC 8037 section 3.1): each described
// once with its key family, hash, signature scheme, curve and minimum key size. Everything
// else in jose/ asks this table instead of switching on the algorithm.
#pragma once

#include <cstddef>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/pkey.h"
#include "tessera/jwk.h"

namespace tessera::jose {

enum class KeyFamily : std::uint8_t { kOct, kRsa, kEc, kOkp };

struct AlgInfo {
  Alg alg;
  std::string_view name;
  KeyFamily family;
  crypto::Hash hash;          // HMAC hash, or the digest signed (Ed25519 ignores it)
  crypto::Scheme scheme;      // unused for kOct
  crypto::Curve curve;        // for kEc only
  std::size_t min_key_bytes;  // HMAC secret or RSA modulus, in bytes; 0 when fixed by the curve
};

const AlgInfo& alg_info(Alg a);

}  // namespace tessera::jose
