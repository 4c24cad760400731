#include "tessera/jose_error.h"

namespace tessera::jose {

std::string_view describe(Error e) {
  switch (e) {
    case Error::kTokenTooLarge:
      return "token larger than 8 KiB";
    case Error::kMalformedCompact:
      return "not a compact JWS (three base64url parts)";
    case Error::kJweNotSupported:
      return "encrypted tokens (JWE) are not accepted";
    case Error::kBadBase64:
      return "part is not canonical unpadded base64url";
    case Error::kBadJson:
      return "invalid JSON";
    case Error::kNotAnObject:
      return "JSON is not an object";
    case Error::kDuplicateMember:
      return "duplicate JSON member";
    case Error::kTooDeep:
      return "JSON nested too deeply";
    case Error::kAlgMissing:
      return "header has no string alg";
    case Error::kAlgNone:
      return "alg none is never accepted";
    case Error::kAlgUnknown:
      return "unsupported alg";
    case Error::kAlgNotAllowed:
      return "alg not in the allowed list";
    case Error::kAlgKeyMismatch:
      return "alg does not match the key's algorithm";
    case Error::kCritUnsupported:
      return "crit header extensions are not supported";
    case Error::kEmbeddedKey:
      return "embedded or referenced keys (jwk, jku, x5u, x5c, x5t) are not accepted";
    case Error::kB64Unsupported:
      return "unencoded payloads (b64) are not supported";
    case Error::kBadHeaderMember:
      return "header kid, typ or cty is not a string";
    case Error::kUnknownKid:
      return "no key with this kid";
    case Error::kAmbiguousKey:
      return "token has no kid and several keys could apply";
    case Error::kNoKey:
      return "no verification key";
    case Error::kBadSignature:
      return "signature verification failed";
    case Error::kBadTyp:
      return "wrong typ";
    case Error::kClaimType:
      return "claim has the wrong type (times must be integers)";
    case Error::kMissingClaim:
      return "required claim missing";
    case Error::kExpired:
      return "token expired";
    case Error::kNotYetValid:
      return "token not yet valid (nbf)";
    case Error::kIssuedInFuture:
      return "token issued in the future (iat)";
    case Error::kIssuerMismatch:
      return "issuer mismatch";
    case Error::kAudienceMismatch:
      return "audience mismatch";
    case Error::kBadJwk:
      return "invalid JWK";
    case Error::kWeakKey:
      return "key too weak for its algorithm";
    case Error::kKeyAlgUnknown:
      return "key algorithm cannot be determined (give alg)";
    case Error::kNotPrivateKey:
      return "a private key is required";
    case Error::kInternal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace tessera::jose
