// COSE keys (RFC 9052 section 7, RFC 9053 sections 2 and 7, RFC 8230 section 4) as WebAuthn
// carries credential public keys (W3C WebAuthn Level 3 section 6.5.1.1), and the one table of
// COSE algorithms this library verifies.
//
// A CoseKey is immutable and cheap to copy (it shares its crypto::AsymmetricKey); const methods
// are safe from many threads. Parsing imports the key, which for EC keys checks the point is
// on the curve (a scalar multiplication): callers verifying many assertions for one stored
// credential may keep the parsed CoseKey instead of re-parsing the stored bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/pkey.h"
#include "webauthn/errors.h"

namespace tessera::webauthn {

// COSEAlgorithmIdentifier values (IANA "COSE Algorithms" registry) this library verifies.
enum class CoseAlg : std::int32_t {
  kES256 = -7,    // ECDSA P-256 SHA-256 (RFC 9053 section 2.1)
  kEdDSA = -8,    // EdDSA, here Ed25519 only (RFC 9053 section 2.2)
  kES384 = -35,   // ECDSA P-384 SHA-384
  kES512 = -36,   // ECDSA P-521 SHA-512
  kRS256 = -257,  // RSASSA-PKCS1-v1_5 SHA-256 (RFC 8812 section 2)
};

struct CoseAlgInfo {
  CoseAlg alg;
  std::string_view name;  // "ES256", ...
  std::int64_t kty;       // COSE key type: 1 OKP, 2 EC2, 3 RSA
  std::int64_t crv;       // COSE curve for OKP/EC2 (1 P-256, 2 P-384, 3 P-521, 6 Ed25519); 0 RSA
  crypto::Scheme scheme;
  crypto::Hash hash;    // the digest signed (Ed25519 ignores it)
  crypto::Curve curve;  // EC2 only
};

// The table entry of a COSEAlgorithmIdentifier; nullptr for one this library does not verify.
const CoseAlgInfo* cose_alg_info(std::int64_t alg);
// Every algorithm of the table, strongest-first preference order of the options' pubKeyCredParams.
std::span<const CoseAlg> all_cose_algs();

class CoseKey {
 public:
  // Parses `bytes`, which must be exactly one COSE_Key: a definite CBOR map with integer
  // labels, each once; kty and alg present and consistent (alg's kty and crv); the key's own
  // parameters present with their exact lengths (EC2: crv, x, y uncompressed; OKP: crv, x;
  // RSA: n, e) and no other label (a private parameter, kid, key_ops, ... are all refused).
  static std::expected<CoseKey, Error> parse(std::string_view bytes);

  // parse() of the COSE_Key at the front of `bytes`; `consumed` receives its length (for
  // authenticator data, where the key is followed by the extensions).
  static std::expected<CoseKey, Error> parse_prefix(std::string_view bytes, std::size_t& consumed);

  const CoseAlgInfo& info() const { return *info_; }
  CoseAlg alg() const { return info_->alg; }
  const crypto::AsymmetricKey& key() const { return key_; }

  // Verifies a WebAuthn signature over `data` (W3C WebAuthn section 6.5.5): ECDSA signatures
  // are DER (Ecdsa-Sig-Value), Ed25519 the 64 raw bytes, RS256 PKCS#1 v1.5 of the modulus
  // length. False for any mismatch or malformed signature.
  bool verify(std::string_view data, std::string_view sig) const;

 private:
  CoseKey(const CoseAlgInfo* info, crypto::AsymmetricKey key) : info_(info), key_(std::move(key)) {}
  const CoseAlgInfo* info_;
  crypto::AsymmetricKey key_;
};

}  // namespace tessera::webauthn
