// The relying party's side of a registration ceremony: W3C WebAuthn Level 3 section 7.1
// "Registering a New Credential". Step numbers in registration.cc follow the W3C editor's
// draft (github.com/w3c/webauthn index.bs at 146d0db).
//
// Pure: no I/O, no store, no clock. What this does NOT do, and who does:
//   - step 26 (the credential id is not registered yet for any user) and step 29 (storing the
//     credential record in the account the options named): the credential store and the
//     auth layer;
//   - the challenge's single use and lifetime: the auth layer, which keeps issued challenges;
//   - steps 23-24 (attestation trust): there are no trust anchors; "none" and packed self
//     attestation are accepted, packed x5c is verified but reported uncertified
//     (AttestationType), and the caller decides.
//
// Usage:
//   auto resp = webauthn::parse_registration_response(body);          // the bare JSON
//   if (!resp) ... resp.error();
//   auto cred = webauthn::verify_registration(*resp, {.challenge = issued, .rp_id = "example.com",
//                                                     .allowed_origins = origins});
//   if (cred) store cred->credential_id, cred->public_key, cred->sign_count, ...
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/attestation.h"
#include "webauthn/cose_key.h"
#include "webauthn/errors.h"
#include "webauthn/response_json.h"

namespace tessera::webauthn {

// ES256, EdDSA, RS256: what Tessera's registration options offer (options.h), in order.
inline constexpr CoseAlg kDefaultAlgs[] = {CoseAlg::kES256, CoseAlg::kEdDSA, CoseAlg::kRS256};

struct RegistrationExpectation {
  std::string_view challenge;  // the raw bytes the options carried
  std::string_view rp_id;      // the options' rp.id
  std::span<const std::string> allowed_origins;
  bool require_user_verification = true;  // the options' userVerification == "required"
  std::span<const CoseAlg> allowed_algs = kDefaultAlgs;  // the options' pubKeyCredParams
  // Authenticator extension outputs (identifiers) accepted in authData; any other is refused
  // (step 28). Tessera requests none, so by default none is accepted.
  std::span<const std::string> allowed_extensions = {};
};

// What a credential record needs (step 27).
struct RegisteredCredential {
  std::string credential_id;  // raw bytes (rawId == the attested credentialId)
  std::string public_key;     // the COSE_Key bytes, to store and give to CoseKey::parse
  CoseAlg alg = CoseAlg::kES256;
  std::uint32_t sign_count = 0;
  bool user_verified = false;  // uvInitialized
  bool backup_eligible = false;
  bool backup_state = false;
  std::string aaguid;  // 16 bytes (all zero when the client anonymised the attestation)
  std::vector<std::string> transports;
  std::string attestation_format;  // "none" or "packed"
  AttestationType attestation_type = AttestationType::kNone;
};

std::expected<RegisteredCredential, Error> verify_registration(
    const RegistrationResponse& response, const RegistrationExpectation& expected);

}  // namespace tessera::webauthn
