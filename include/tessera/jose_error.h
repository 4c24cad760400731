// Why a JOSE operation failed. One value per failure, for logs and tests (after
// google/jwt_verify_lib's Status); what a client is told is only kBlandMessage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera::jose {

enum class Error : std::uint8_t {
  // Compact serialization
  kTokenTooLarge,     // over kMaxTokenSize bytes
  kMalformedCompact,  // not three '.'-separated parts, or an empty part where one is needed
  kJweNotSupported,   // five parts, or "enc"/"zip" in the header: an encrypted token
  kBadBase64,         // a part is not canonical unpadded base64url
  // JSON
  kBadJson,          // not JSON, trailing garbage, invalid UTF-8 or control characters
  kNotAnObject,      // the header or payload is valid JSON but not an object
  kDuplicateMember,  // a JSON object names one member twice
  kTooDeep,          // JSON nested deeper than the limit
  // Header
  kAlgMissing,       // no "alg", or it is not a string
  kAlgNone,          // "none" in any casing
  kAlgUnknown,       // an algorithm this library does not implement
  kAlgNotAllowed,    // outside the caller's allow-list
  kAlgKeyMismatch,   // the token's "alg" is not the algorithm pinned to the key
  kCritUnsupported,  // "crit" present: we understand no extensions
  kEmbeddedKey,      // "jwk", "jku", "x5u", "x5c", "x5t" or "x5t#S256": keys come from us only
  kB64Unsupported,   // "b64" other than true (RFC 7797 unencoded payloads)
  kBadHeaderMember,  // "kid", "typ" or "cty" not a string
  // Key selection and signature
  kUnknownKid,    // no key with the token's "kid"
  kAmbiguousKey,  // no "kid" and more than one candidate key
  kNoKey,         // empty key set
  kBadSignature,  // the signature does not verify (wrong length, value or range)
  // Claims (RFC 7519, RFC 9068)
  kBadTyp,            // header "typ" is not what the profile requires
  kClaimType,         // a registered claim has the wrong JSON type (e.g. non-integer "exp")
  kMissingClaim,      // a required claim is absent
  kExpired,           // now >= exp + leeway
  kNotYetValid,       // now < nbf - leeway
  kIssuedInFuture,    // iat > now + leeway
  kIssuerMismatch,    // "iss" is not the expected issuer
  kAudienceMismatch,  // "aud" does not contain the expected audience
  // Keys
  kBadJwk,         // a JWK that is malformed, inconsistent or not for signatures
  kWeakKey,        // RSA under 2048 bits, HMAC secret shorter than its hash
  kKeyAlgUnknown,  // the key's algorithm cannot be determined unambiguously
  kNotPrivateKey,  // signing needs a private key
  kInternal,       // a crypto library failure that is not the input's fault
};

// A short, specific reason ("alg none is never accepted"), for logs, tests and the CLI.
std::string_view describe(Error e);

// What clients are told, whatever the reason.
inline constexpr std::string_view kBlandMessage = "invalid token";

// Tokens longer than this are refused before any parsing (SPEC.md "Tokens").
inline constexpr std::size_t kMaxTokenSize = std::size_t{8} * 1024;

}  // namespace tessera::jose
