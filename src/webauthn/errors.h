// Why a WebAuthn response was refused: one value per check of W3C WebAuthn Level 3 sections
// 7.1 ("Registering a New Credential") and 7.2 ("Verifying an Authentication Assertion"), and
// per way the JSON, CBOR and COSE inputs can be malformed. Detailed for logs and tests; the
// API layer maps every value to one bland client answer (never echo these to a client).
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::webauthn {

enum class Error : std::uint8_t {
  // The JSON forms (RegistrationResponseJSON, AuthenticationResponseJSON)
  kResponseTooLarge,     // the response text is over kMaxResponseBytes
  kJsonMalformed,        // not JSON, invalid UTF-8, nested too deep, or not an object
  kJsonDuplicateMember,  // an object names one member twice
  kJsonMemberMissing,    // a required member is absent
  kJsonMemberType,       // a member has the wrong JSON type
  kBadBase64url,         // a base64url member is not canonical unpadded base64url
  kMemberTooLarge,       // a member is over its size limit (credential id, user handle, ...)
  kIdMismatch,           // "id" and "rawId" name different credentials
  kWrongCredentialType,  // "type" is not "public-key"
  // Client data (sections 7.1 steps 5-11, 7.2 steps 8-14)
  kClientDataMalformed,  // clientDataJSON is not a JSON object with string type/challenge/origin
  kClientDataType,       // "type" is not webauthn.create / webauthn.get
  kChallengeMismatch,    // "challenge" is not the base64url of the expected challenge
  kOriginNotAllowed,     // "origin" is not one of the allowed origins
  kCrossOrigin,          // "crossOrigin": true (Tessera is never framed)
  kTopOrigin,            // "topOrigin" present (same reason)
  // CBOR containers
  kAttestationObjectMalformed,  // not a CBOR map {fmt, attStmt, authData}, or trailing bytes
  // Authenticator data (section 6.1)
  kAuthDataTooShort,            // under 37 bytes
  kAttestedDataTruncated,       // AT set but the attested credential data runs off the end
  kAuthDataTrailingBytes,       // bytes after the last structure the flags announce
  kExtensionsMalformed,         // ED set but no CBOR map of extension outputs follows
  kRpIdHashMismatch,            // rpIdHash != SHA-256(expected RP ID)
  kUserNotPresent,              // UP clear
  kUserNotVerified,             // UV clear when user verification is required
  kBackupStateWithoutEligible,  // BS set while BE is clear
  kBackupEligibilityChanged,    // BE differs from the stored credential record's
  kAttestedDataMissing,         // registration without attested credential data (AT clear)
  kAttestedDataUnexpected,      // an assertion with attested credential data (AT set)
  kCredentialIdTooLong,         // credentialId over 1023 bytes (section 7.1 step 25)
  kCredentialIdMismatch,        // the attested credential id is not the response's rawId
  kUnexpectedExtension,         // an authenticator extension output the caller did not allow
  // COSE_Key (RFC 9052 section 7, RFC 9053)
  kCoseKeyMalformed,      // not a definite CBOR map of int labels, duplicates, wrong types
  kCoseKeyType,           // kty not EC2, OKP or RSA
  kCoseAlgorithmUnknown,  // alg not one this library implements
  kCoseKeyParameters,     // kty/crv/alg inconsistent, a label missing, wrong length, extra
  kCoseKeyInvalid,        // the key does not import (point off the curve, weak RSA modulus)
  kAlgorithmNotAllowed,   // alg not among the caller's allowed algorithms
  // Attestation (section 8)
  kUnsupportedAttestationFormat,   // fmt other than "none" and "packed"
  kAttestationStatementMalformed,  // attStmt does not fit its format's syntax
  kAttestationAlgorithmMismatch,   // packed self attestation: alg is not the credential's
  kAttestationSignatureInvalid,    // the attestation signature does not verify
  kAttestationCertificateInvalid,  // x5c leaf unreadable or not meeting section 8.2.1
  kAttestationAaguidMismatch,      // the certificate's AAGUID extension differs from authData
  // Assertion signature (section 7.2 step 21)
  kSignatureInvalid,  // the assertion signature does not verify with the stored key
  kInternal,          // a crypto primitive failed where it should not
};

// A short English description of `e`, for logs and test output.
std::string_view describe(Error e);

}  // namespace tessera::webauthn
