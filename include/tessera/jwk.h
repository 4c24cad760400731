// JSON Web Keys (RFC 7517, RFC 7518 section 6, RFC 8037) for signatures.
//
// A Jwk carries exactly one algorithm: its "alg", or the one its curve implies where that is
// unambiguous (EC P-256 -> ES256, P-384 -> ES384, P-521 -> ES512, OKP Ed25519 -> EdDSA). RSA
// and oct keys without "alg" need the caller's hint. Keys whose "use" is not "sig", or whose
// "key_ops" allow neither "sign" nor "verify", are refused; so are weak keys.
//
// Jwk and Jwks are immutable values, cheap to copy (shared state), safe to use from many
// threads at once.
//
// Example:
//   auto key = tessera::jose::Jwk::generate(tessera::jose::Alg::kES256, "k1");
//   std::string pub = key->to_json(/*include_private=*/false);
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/jose_error.h"

namespace tessera::jose {

enum class Alg : std::uint8_t {
  kHS256,
  kHS384,
  kHS512,
  kRS256,
  kRS384,
  kRS512,
  kPS256,
  kPS384,
  kPS512,
  kES256,
  kES384,
  kES512,
  kEdDSA,
};

// "HS256", ... "EdDSA".
std::string_view alg_name(Alg a);
// Exact, case-sensitive match of a JWS "alg" value; nullopt for anything else (including "none").
std::optional<Alg> alg_from_name(std::string_view name);
// Every algorithm, in the order of the enum.
std::span<const Alg> all_algs();

namespace detail {
struct KeyImpl;
}

class Jwk {
 public:
  // Parses one JWK. `alg_hint` supplies the algorithm for keys that do not name one (a key
  // that names one keeps it: restricting algorithms is VerifyOptions::allowed_algs' job). A
  // hint that does not fit the key type or curve is kAlgKeyMismatch.
  static std::expected<Jwk, Error> parse(std::string_view json, std::optional<Alg> alg_hint = {});

  // A new private key for `alg` (RSA 2048 bits; HMAC secret as long as the hash output...
  // doubled for margin, i.e. 64/96/128 bytes). An empty kid becomes the RFC 7638 thumbprint.
  static std::expected<Jwk, Error> generate(Alg alg, std::string kid = {});

  // An HMAC key from raw secret bytes (for configuration that holds a shared secret).
  static std::expected<Jwk, Error> from_secret(Alg alg, std::string_view secret,
                                               std::string kid = {});

  Alg alg() const;
  const std::string& kid() const;
  bool is_private() const;    // has private (or, for oct, secret) material
  bool is_symmetric() const;  // oct

  // The JWK as compact JSON with kty, kid, alg, use:"sig" and the key members. Private
  // members only when include_private (oct keys always carry "k": they are the secret).
  std::string to_json(bool include_private) const;

  // The public half (for oct keys: the same key, which is secret).
  Jwk public_key() const;

  // RFC 7638 SHA-256 thumbprint, base64url.
  std::string thumbprint() const;

  const detail::KeyImpl& impl() const { return *impl_; }

 private:
  friend class Jwks;
  explicit Jwk(std::shared_ptr<const detail::KeyImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::KeyImpl> impl_;
};

// A JWK Set (RFC 7517 section 5). Kids must be unique among keys that have one.
class Jwks {
 public:
  Jwks() = default;
  explicit Jwks(std::vector<Jwk> keys) : keys_(std::move(keys)) {}

  // Parses {"keys":[...]}. Keys this library cannot use for signatures (unknown kty, "use"
  // "enc", key_ops without sign/verify, a non-JWS "alg", X25519 or other curves) are skipped,
  // as RFC 7517 section 5 asks; a malformed or weak key of a usable kind fails the whole set.
  static std::expected<Jwks, Error> parse(std::string_view json, std::optional<Alg> alg_hint = {});

  const std::vector<Jwk>& keys() const { return keys_; }
  const Jwk* find(std::string_view kid) const;

  // {"keys":[...]} with public members only. Symmetric (oct) keys are left out: they are
  // secrets.
  std::string to_json() const;

 private:
  std::vector<Jwk> keys_;
};

}  // namespace tessera::jose
