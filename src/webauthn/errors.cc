#include "webauthn/errors.h"

namespace tessera::webauthn {

std::string_view describe(Error e) {
  switch (e) {
    case Error::kResponseTooLarge:
      return "the response text is over kMaxResponseBytes";
    case Error::kJsonMalformed:
      return "not JSON, invalid UTF-8, nested too deep, or not an object";
    case Error::kJsonDuplicateMember:
      return "an object names one member twice";
    case Error::kJsonMemberMissing:
      return "a required member is absent";
    case Error::kJsonMemberType:
      return "a member has the wrong JSON type";
    case Error::kBadBase64url:
      return "a base64url member is not canonical unpadded base64url";
    case Error::kMemberTooLarge:
      return "a member is over its size limit (credential id, user handle, ...)";
    case Error::kIdMismatch:
      return "'id' and 'rawId' name different credentials";
    case Error::kWrongCredentialType:
      return "'type' is not 'public-key'";
    case Error::kClientDataMalformed:
      return "clientDataJSON is not a JSON object with string type/challenge/origin";
    case Error::kClientDataType:
      return "'type' is not webauthn.create / webauthn.get";
    case Error::kChallengeMismatch:
      return "'challenge' is not the base64url of the expected challenge";
    case Error::kOriginNotAllowed:
      return "'origin' is not one of the allowed origins";
    case Error::kCrossOrigin:
      return "'crossOrigin': true (Tessera is never framed)";
    case Error::kTopOrigin:
      return "'topOrigin' present (same reason)";
    case Error::kAttestationObjectMalformed:
      return "not a CBOR map {fmt, attStmt, authData}, or trailing bytes";
    case Error::kAuthDataTooShort:
      return "under 37 bytes";
    case Error::kAttestedDataTruncated:
      return "AT set but the attested credential data runs off the end";
    case Error::kAuthDataTrailingBytes:
      return "bytes after the last structure the flags announce";
    case Error::kExtensionsMalformed:
      return "ED set but no CBOR map of extension outputs follows";
    case Error::kRpIdHashMismatch:
      return "rpIdHash != SHA-256(expected RP ID)";
    case Error::kUserNotPresent:
      return "UP clear";
    case Error::kUserNotVerified:
      return "UV clear when user verification is required";
    case Error::kBackupStateWithoutEligible:
      return "BS set while BE is clear";
    case Error::kBackupEligibilityChanged:
      return "BE differs from the stored credential record's";
    case Error::kAttestedDataMissing:
      return "registration without attested credential data (AT clear)";
    case Error::kAttestedDataUnexpected:
      return "an assertion with attested credential data (AT set)";
    case Error::kCredentialIdTooLong:
      return "credentialId over 1023 bytes (section 7.1 step 25)";
    case Error::kCredentialIdMismatch:
      return "the attested credential id is not the response's rawId";
    case Error::kUnexpectedExtension:
      return "an authenticator extension output the caller did not allow";
    case Error::kCoseKeyMalformed:
      return "not a definite CBOR map of int labels, duplicates, wrong types";
    case Error::kCoseKeyType:
      return "kty not EC2, OKP or RSA";
    case Error::kCoseAlgorithmUnknown:
      return "alg not one this library implements";
    case Error::kCoseKeyParameters:
      return "kty/crv/alg inconsistent, a label missing, wrong length, extra";
    case Error::kCoseKeyInvalid:
      return "the key does not import (point off the curve, weak RSA modulus)";
    case Error::kAlgorithmNotAllowed:
      return "alg not among the caller's allowed algorithms";
    case Error::kUnsupportedAttestationFormat:
      return "fmt other than 'none' and 'packed'";
    case Error::kAttestationStatementMalformed:
      return "attStmt does not fit its format's syntax";
    case Error::kAttestationAlgorithmMismatch:
      return "packed self attestation: alg is not the credential's";
    case Error::kAttestationSignatureInvalid:
      return "the attestation signature does not verify";
    case Error::kAttestationCertificateInvalid:
      return "x5c leaf unreadable or not meeting section 8.2.1";
    case Error::kAttestationAaguidMismatch:
      return "the certificate's AAGUID extension differs from authData";
    case Error::kSignatureInvalid:
      return "the assertion signature does not verify with the stored key";
    case Error::kInternal:
      return "a crypto primitive failed where it should not";
  }
  return "unknown webauthn error";
}

}  // namespace tessera::webauthn
