// The relying party's side of an authentication ceremony: W3C WebAuthn Level 3 section 7.2
// "Verifying an Authentication Assertion". Step numbers in assertion.cc follow the W3C
// editor's draft (github.com/w3c/webauthn index.bs at 146d0db).
//
// Pure: no I/O, no store, no clock. What this does NOT do, and who does (the auth layer, with
// the credential store):
//   - step 5: when allowCredentials was not empty, response.raw_id must be one of them;
//   - step 6: find the credential record by response.raw_id and check its owner: the user
//     the options were made for, and response.user_handle (when present; required for a
//     discoverable login) equal to that user's handle;
//   - step 22: the signature counter. VerifiedAssertion::sign_count is reported; the store
//     refuses a counter that does not increase when either value is nonzero, atomically;
//   - step 24: updating the record (signCount, backupState, last use);
//   - the challenge's single use and lifetime.
//
// Usage:
//   auto resp = webauthn::parse_authentication_response(body);
//   record = store.find(resp->raw_id) ...                     // steps 5-6, caller
//   auto key = webauthn::CoseKey::parse(record.public_key);   // may be cached per credential
//   auto ok = webauthn::verify_assertion(*resp, *key, {.challenge = issued, .rp_id = rp,
//                                                      .allowed_origins = origins});
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "webauthn/cose_key.h"
#include "webauthn/errors.h"
#include "webauthn/response_json.h"

namespace tessera::webauthn {

struct AssertionExpectation {
  std::string_view challenge;  // the raw bytes the request options carried
  std::string_view rp_id;
  std::span<const std::string> allowed_origins;
  bool require_user_verification = true;  // the options' userVerification == "required"
  // The stored record's backupEligible (step 19): BE never changes for a credential, so a
  // different BE is refused (kBackupEligibilityChanged). nullopt skips the comparison.
  std::optional<bool> stored_backup_eligible;
  // Authenticator extension outputs accepted in authData (step 23); none by default.
  std::span<const std::string> allowed_extensions = {};
};

struct VerifiedAssertion {
  std::uint32_t sign_count = 0;  // for the store's step 22 comparison
  bool user_verified = false;
  bool backup_eligible = false;
  bool backup_state = false;               // the new backupState (step 24)
  std::optional<std::string> user_handle;  // response.userHandle, for the caller's step 6
};

std::expected<VerifiedAssertion, Error> verify_assertion(const AuthenticationResponse& response,
                                                         const CoseKey& credential_key,
                                                         const AssertionExpectation& expected);

}  // namespace tessera::webauthn
