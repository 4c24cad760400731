#include "webauthn/assertion.h"

#include "crypto/hash.h"
#include "webauthn/authenticator_data.h"
#include "webauthn/checks.h"
#include "webauthn/client_data.h"

namespace tessera::webauthn {

std::expected<VerifiedAssertion, Error> verify_assertion(const AuthenticationResponse& response,
                                                         const CoseKey& credential_key,
                                                         const AssertionExpectation& expected) {
  // Steps 1-4 happened in the browser and parse_authentication_response(); steps 5-6 are the
  // caller's (assertion.h). Step 7: cData, authData, sig are the response's members.
  // Steps 8-9: UTF-8 decode and parse clientDataJSON.
  const std::expected<ClientData, Error> c = parse_client_data(response.client_data_json);
  if (!c) return std::unexpected(c.error());
  // Steps 10-14: type "webauthn.get", the challenge, the origin, crossOrigin, topOrigin.
  if (auto ok = detail::check_client_data(*c, "webauthn.get", expected.challenge,
                                          expected.allowed_origins);
      !ok) {
    return std::unexpected(ok.error());
  }
  const std::expected<AuthenticatorData, Error> ad =
      parse_authenticator_data(response.authenticator_data);
  if (!ad) return std::unexpected(ad.error());
  // Section 6.1: attested credential data only in registrations.
  if (ad->attested) return std::unexpected(Error::kAttestedDataUnexpected);
  // Steps 15-18 (and 23's extension policy): rpIdHash, UP, UV when required, BS only with BE.
  if (auto ok = detail::check_authenticator_data(
          *ad, expected.rp_id, expected.require_user_verification, expected.allowed_extensions);
      !ok) {
    return std::unexpected(ok.error());
  }
  // Step 19: BE as the record has it.
  if (expected.stored_backup_eligible && *expected.stored_backup_eligible != ad->be())
    return std::unexpected(Error::kBackupEligibilityChanged);
  // Step 20: hash = SHA-256(cData). Step 21: sig over authData || hash with the stored key.
  const std::array<unsigned char, 32> hash = crypto::sha256(response.client_data_json);
  std::string signed_data;
  signed_data.reserve(response.authenticator_data.size() + hash.size());
  signed_data.append(response.authenticator_data)
      .append(reinterpret_cast<const char*>(hash.data()), hash.size());
  if (!credential_key.verify(signed_data, response.signature))
    return std::unexpected(Error::kSignatureInvalid);
  // Step 22 (the counter) and step 24 (the record's update) are the caller's: reported.
  return VerifiedAssertion{.sign_count = ad->sign_count,
                           .user_verified = ad->uv(),
                           .backup_eligible = ad->be(),
                           .backup_state = ad->bs(),
                           .user_handle = response.user_handle};
}

}  // namespace tessera::webauthn
