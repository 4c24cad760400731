// Attestation objects and statements (W3C WebAuthn Level 3 sections 6.5.4 and 8). Internal to
// webauthn/: registration.cc is the caller.
//
// Formats: "none" (section 8.7) with an empty attStmt, and "packed" (section 8.2): self
// attestation (no x5c: the credential key signs), or x5c, where the signature is verified with
// the leaf certificate's key and the certificate held to section 8.2.1, but no chain is built
// (Tessera keeps no attestation trust anchors, and the registration options ask for
// attestation "none"), so the result is reported as uncertified. Every other format (tpm,
// android-key, android-safetynet, fido-u2f, apple, compound) is refused with
// kUnsupportedAttestationFormat: each needs format-specific structures and vendor roots that
// would buy nothing without a trust policy, and a client asked for "none" replaces them with
// "none" anyway (section 5.4.7).
#pragma once

#include <array>
#include <expected>
#include <string>
#include <string_view>

#include "webauthn/authenticator_data.h"
#include "webauthn/cbor.h"
#include "webauthn/errors.h"

namespace tessera::webauthn {

enum class AttestationType : std::uint8_t {
  kNone,         // fmt "none"
  kSelf,         // packed, signed by the credential key itself
  kUncertified,  // packed with x5c: signature and certificate checked, no trust chain
};

// The three members of an attestation object (section 6.5.4), decoded by libcbor. The views
// point into `item`.
struct AttestationObject {
  cbor::Item item;
  std::string_view fmt;
  const cbor_item_t* att_stmt = nullptr;
  std::string_view auth_data;
};

// Section 7.1 step 13: exactly one CBOR map {"fmt": text, "attStmt": map, "authData": bytes}
// with nothing after it; kAttestationObjectMalformed otherwise.
std::expected<AttestationObject, Error> parse_attestation_object(std::string_view bytes);

// Section 7.1 steps 21-22: the format's verification procedure over authData and the client
// data hash. REQUIRES: auth.attested is set.
std::expected<AttestationType, Error> verify_attestation(
    const AttestationObject& obj, const AuthenticatorData& auth,
    const std::array<unsigned char, 32>& client_data_hash);

}  // namespace tessera::webauthn
