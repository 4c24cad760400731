// The JSON forms of WebAuthn responses (W3C WebAuthn Level 3 section 5.1.8,
// PublicKeyCredential.toJSON()): RegistrationResponseJSON and AuthenticationResponseJSON,
// read strictly and decoded. Every failure is a specific Error, never a crash or exception:
//   - the text: at most kMaxResponseBytes, one JSON object (valid UTF-8, no member twice,
//     nested at most 16 deep);
//   - id, rawId: strings of canonical unpadded base64url naming the same bytes (kIdMismatch),
//     at most kMaxCredentialIdBytes (kMemberTooLarge); type "public-key";
//   - response: an object; its byte members canonical base64url within their limits;
//     transports an array of strings; userHandle a string or null;
//   - authenticatorAttachment a string or null; clientExtensionResults an object when present
//     (its members are not read: Tessera requests no client extension).
// Members the spec may add later are ignored. Members the verifier does not use (the
// registration response's authenticatorData, publicKey, publicKeyAlgorithm conveniences) are
// type-checked and dropped: the attestationObject is the only source of those values.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/errors.h"

namespace tessera::webauthn {

inline constexpr std::size_t kMaxResponseBytes = 64 * 1024;
inline constexpr std::size_t kMaxCredentialIdBytes = 1023;  // section 7.1 step 25
inline constexpr std::size_t kMaxClientDataBytes = 8 * 1024;
inline constexpr std::size_t kMaxAttestationObjectBytes = 48 * 1024;
inline constexpr std::size_t kMaxAuthenticatorDataBytes = 8 * 1024;
inline constexpr std::size_t kMaxSignatureBytes = 2048;  // RSA-16384
inline constexpr std::size_t kMaxUserHandleBytes = 64;   // section 5.4.3 (user.id)
inline constexpr std::size_t kMaxTransports = 16;
inline constexpr std::size_t kMaxTransportChars = 32;

// Byte members hold the decoded bytes.
struct RegistrationResponse {
  std::string raw_id;  // the credential id
  std::string client_data_json;
  std::string attestation_object;
  std::vector<std::string> transports;  // as the client reported them (hints, not checked)
  std::optional<std::string> authenticator_attachment;
};

struct AuthenticationResponse {
  std::string raw_id;
  std::string client_data_json;
  std::string authenticator_data;
  std::string signature;
  std::optional<std::string> user_handle;  // absent, null or empty in the JSON -> nullopt
  std::optional<std::string> authenticator_attachment;
};

std::expected<RegistrationResponse, Error> parse_registration_response(std::string_view json);
std::expected<AuthenticationResponse, Error> parse_authentication_response(std::string_view json);

}  // namespace tessera::webauthn
