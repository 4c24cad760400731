#include "webauthn/registration.h"

#include <algorithm>

#include "crypto/hash.h"
#include "webauthn/authenticator_data.h"
#include "webauthn/checks.h"
#include "webauthn/client_data.h"

namespace tessera::webauthn {

std::expected<RegisteredCredential, Error> verify_registration(
    const RegistrationResponse& response, const RegistrationExpectation& expected) {
  // Steps 1-4 (options, create(), the response's kind, client extension results) happened in
  // the browser and in parse_registration_response().
  // Steps 5-6: UTF-8 decode and parse clientDataJSON.
  const std::expected<ClientData, Error> c = parse_client_data(response.client_data_json);
  if (!c) return std::unexpected(c.error());
  // Steps 7-11: type "webauthn.create", the challenge, the origin, crossOrigin, topOrigin.
  if (auto ok = detail::check_client_data(*c, "webauthn.create", expected.challenge,
                                          expected.allowed_origins);
      !ok) {
    return std::unexpected(ok.error());
  }
  // Step 12: hash = SHA-256(clientDataJSON).
  const std::array<unsigned char, 32> hash = crypto::sha256(response.client_data_json);
  // Step 13: CBOR-decode the attestation object into fmt, authData and attStmt.
  std::expected<AttestationObject, Error> obj =
      parse_attestation_object(response.attestation_object);
  if (!obj) return std::unexpected(obj.error());
  std::expected<AuthenticatorData, Error> ad = parse_authenticator_data(obj->auth_data);
  if (!ad) return std::unexpected(ad.error());
  // Steps 14-17 (and 28's extension policy): rpIdHash, UP (Tessera never uses conditional
  // create, so UP is always required), UV when required, BS only with BE.
  if (auto ok = detail::check_authenticator_data(
          *ad, expected.rp_id, expected.require_user_verification, expected.allowed_extensions);
      !ok) {
    return std::unexpected(ok.error());
  }
  // Section 6.5.1: a registration carries attested credential data.
  if (!ad->attested) return std::unexpected(Error::kAttestedDataMissing);
  const AttestedCredential& cred = *ad->attested;
  // Steps 18-19 (BE/BS as policy) are the caller's: both are reported.
  // Step 20: the credential key's alg among the options' pubKeyCredParams.
  if (std::find(expected.allowed_algs.begin(), expected.allowed_algs.end(), cred.key.alg()) ==
      expected.allowed_algs.end()) {
    return std::unexpected(Error::kAlgorithmNotAllowed);
  }
  // Steps 21-22: the attestation statement format and its verification procedure.
  std::expected<AttestationType, Error> type = verify_attestation(*obj, *ad, hash);
  if (!type) return std::unexpected(type.error());
  // Steps 23-24 (trust anchors, trustworthiness): none kept; the type is reported.
  // Step 25: credentialId at most 1023 bytes.
  if (cred.credential_id.size() > kMaxCredentialIdBytes)
    return std::unexpected(Error::kCredentialIdTooLong);
  // The credential the response names (rawId) is the one attested.
  if (cred.credential_id != response.raw_id) return std::unexpected(Error::kCredentialIdMismatch);
  // Step 26 (not registered yet) is the store's. Step 27: the credential record.
  RegisteredCredential out;
  out.credential_id = cred.credential_id;
  out.public_key = cred.public_key;
  out.alg = cred.key.alg();
  out.sign_count = ad->sign_count;
  out.user_verified = ad->uv();
  out.backup_eligible = ad->be();
  out.backup_state = ad->bs();
  out.aaguid = cred.aaguid;
  out.transports = response.transports;
  out.attestation_format = std::string(obj->fmt);
  out.attestation_type = *type;
  return out;
}

}  // namespace tessera::webauthn
