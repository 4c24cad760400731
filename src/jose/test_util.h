// Test-only helpers: build tokens with arbitrary headers, payloads and signatures, signed by
// a real key, so attacks can be tried exactly as an attacker would build them.
#pragma once

#include <string>
#include <string_view>

#include "base/base64url.h"
#include "jose/algorithms.h"
#include "jose/key_impl.h"
#include "tessera/jwk.h"

namespace tessera::jose::testing {

inline std::string b64(std::string_view s) { return base::base64url_encode(s); }

// Signature bytes over `signing_input` with `key` using the key's own algorithm.
inline std::string raw_sign(const Jwk& key, std::string_view signing_input) {
  const detail::KeyImpl& k = key.impl();
  const AlgInfo& info = alg_info(k.alg);
  if (k.hmac) return std::string(k.hmac->mac(signing_input).view());
  return k.asym->sign(info.scheme, info.hash, signing_input).value();
}

// HMAC with an arbitrary secret (for key-confusion attacks).
inline std::string hmac_sha256(std::string_view secret, std::string_view data) {
  crypto::HmacKey k(crypto::Hash::kSha256, secret);
  return std::string(k.mac(data).view());
}

// "b64(header).b64(payload).b64(sig)" where sig is made by `key` over the first two parts.
inline std::string forge(std::string_view header_json, std::string_view payload, const Jwk& key) {
  std::string input = b64(header_json) + "." + b64(payload);
  return input + "." + b64(raw_sign(key, input));
}

// The same with raw, already-encoded parts (to test non-canonical encodings).
inline std::string forge_encoded(std::string_view header_b64, std::string_view payload_b64,
                                 const Jwk& key) {
  std::string input = std::string(header_b64) + "." + std::string(payload_b64);
  return input + "." + b64(raw_sign(key, input));
}

}  // namespace tessera::jose::testing
