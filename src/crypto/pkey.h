// Asymmetric keys (RSA, EC P-256/384/521, Ed25519) and the signature schemes JOSE uses.
//
// An AsymmetricKey is immutable once made and cheap to copy (it shares one EVP_PKEY); const
// methods are safe to call from many threads at once. Big numbers cross this interface as
// big-endian unsigned byte strings, as JWK carries them.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/error.h"
#include "crypto/hash.h"

using EVP_PKEY = struct evp_pkey_st;  // NOLINT: OpenSSL's own typedef, kept opaque here

namespace tessera::crypto {

enum class KeyType : std::uint8_t { kRsa, kEc, kEd25519 };
enum class Curve : std::uint8_t { kP256, kP384, kP521 };
enum class Scheme : std::uint8_t { kRsaPkcs1v15, kRsaPss, kEcdsa, kEd25519 };

// Field size in bytes of a curve: 32, 48, 66. JOSE ECDSA signatures are twice this.
constexpr std::size_t curve_bytes(Curve c) {
  return c == Curve::kP256 ? 32 : c == Curve::kP384 ? 48 : 66;
}

struct RsaParams {
  std::string n, e;                 // public
  std::string d, p, q, dp, dq, qi;  // private (all empty for a public key)
};
struct EcParams {
  Curve curve = Curve::kP256;
  std::string x, y;  // public point, each exactly curve_bytes(curve) long
  std::string d;     // private scalar (empty for a public key)
};
struct OkpParams {
  std::string x;  // 32-byte Ed25519 public key
  std::string d;  // 32-byte seed (empty for a public key)
};

struct Ed25519Keys;  // libsodium key material, private to pkey.cc

class AsymmetricKey {
 public:
  // Import. RSA private keys need every CRT member (p, q, dp, dq, qi) so that the pair can be
  // checked; multi-prime keys are not supported.
  static std::expected<AsymmetricKey, Error> from_rsa(const RsaParams& p);
  static std::expected<AsymmetricKey, Error> from_ec(const EcParams& p);
  static std::expected<AsymmetricKey, Error> from_ed25519(const OkpParams& p);
  // A public key from its DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7): RSA (2048 to
  // 16384 bits), EC on P-256/384/521 (the point checked on the curve) or Ed25519. Anything
  // else, or trailing bytes, is an error. (WebAuthn attestation certificates carry their key
  // this way: see crypto/x509.h.)
  static std::expected<AsymmetricKey, Error> from_public_der(std::string_view spki);

  static std::expected<AsymmetricKey, Error> generate_rsa(int bits);
  static std::expected<AsymmetricKey, Error> generate_ec(Curve c);
  static std::expected<AsymmetricKey, Error> generate_ed25519();

  KeyType type() const { return type_; }
  bool has_private() const { return has_private_; }
  // Modulus size for RSA, field size for EC, 256 for Ed25519.
  int bits() const;
  // Only meaningful for EC keys.
  Curve curve() const { return curve_; }

  // Export. With include_private=false the private members are left empty.
  RsaParams rsa_params(bool include_private) const;
  EcParams ec_params(bool include_private) const;
  OkpParams okp_params(bool include_private) const;

  // SubjectPublicKeyInfo, DER or PEM (tests use these to try key-confusion attacks).
  std::string public_der() const;
  std::string public_pem() const;

  // Signature size in bytes for this key (RSA modulus, 2 x field, 64).
  std::size_t signature_size() const;

  // Signs `data`. ECDSA output is the fixed-length r||s form of RFC 7518 section 3.4.
  // REQUIRES: has_private(); scheme fits the key type.
  std::expected<std::string, Error> sign(Scheme s, Hash h, std::string_view data) const;

  // Verifies `sig` over `data`. ECDSA expects r||s of exactly 2 x field size, each in [1, n-1].
  // Returns false for any mismatch or malformed signature; never throws.
  bool verify(Scheme s, Hash h, std::string_view data, std::string_view sig) const;

  // Verifies an ECDSA signature in its DER form (Ecdsa-Sig-Value, SEC 1 / RFC 3279 section
  // 2.2.3), as WebAuthn assertions (W3C WebAuthn section 6.5.5) and X.509 carry it. Only the
  // one DER encoding of (r, s) is accepted: OpenSSL re-encodes what it decodes and refuses any
  // difference (BER lengths, leading zeros, trailing bytes). False for a non-EC key.
  bool verify_ecdsa_der(Hash h, std::string_view data, std::string_view der_sig) const;

 private:
  AsymmetricKey(std::shared_ptr<EVP_PKEY> k, KeyType t, Curve c, bool priv)
      : pkey_(std::move(k)), type_(t), curve_(c), has_private_(priv) {}
  // Ed25519 keys also carry libsodium's form of the key, which signs and verifies about twice
  // as fast as OpenSSL 3.0 with no allocation (bench/README.md); the EVP_PKEY serves export.
  static std::expected<AsymmetricKey, Error> with_sodium(std::shared_ptr<EVP_PKEY> k, bool priv);

  std::shared_ptr<EVP_PKEY> pkey_;
  std::shared_ptr<const Ed25519Keys> ed_;
  KeyType type_;
  Curve curve_;
  bool has_private_;
};

}  // namespace tessera::crypto
