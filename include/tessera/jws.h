// JWS compact serialization (RFC 7515 section 7.1): sign and verify.
//
// Verification pins the algorithm to the key: the key found by "kid" (or the only key) decides
// the algorithm, and a token whose "alg" differs is rejected. The payload is returned only
// after the signature verifies; it is never parsed here.
//
// Example:
//   auto keys = tessera::jose::Jwks::parse(jwks_json);
//   auto v = tessera::jose::verify(token, *keys);
//   if (!v) log(tessera::jose::describe(v.error()));
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "tessera/jose_error.h"
#include "tessera/jwk.h"

namespace tessera::jose {

struct SignOptions {
  std::string kid;  // empty: use the key's kid (omitted if that is empty too)
  std::string typ;  // empty: no "typ" member
};

// Signs `payload` (any bytes; JWTs pass JSON). REQUIRES: key.is_private().
std::expected<std::string, Error> sign(const Jwk& key, std::string_view payload,
                                       const SignOptions& options = {});

struct VerifyOptions {
  // When not empty, the key's algorithm must be one of these.
  std::span<const Alg> allowed_algs;
};

// What a verified JWS says. `payload` is the decoded payload bytes.
struct VerifiedJws {
  Alg alg{};
  std::string kid;
  std::string typ;
  std::string payload;
};

// Verifies a compact JWS against a key set. Thread-safe. Rejects everything SPEC.md
// "Tokens" lists: none, unknown crit, embedded keys, b64:false, JWE, duplicate members,
// non-canonical base64url, oversize tokens, alg/key mismatch.
std::expected<VerifiedJws, Error> verify(std::string_view token, const Jwks& keys,
                                         const VerifyOptions& options = {});

}  // namespace tessera::jose
