// The options the browser receives: PublicKeyCredentialCreationOptionsJSON and
// PublicKeyCredentialRequestOptionsJSON (W3C WebAuthn Level 3 section 5.1.9), which the page
// passes to PublicKeyCredential.parseCreationOptionsFromJSON() / parseRequestOptionsFromJSON().
// Byte values are given raw here and written as base64url. Attestation is always "none"
// (SPEC.md: Tessera keeps no attestation trust anchors).
//
// The challenge is the caller's: 32 or more bytes from crypto::random_bytes, remembered by the
// auth layer for single use. The user handle (user.id) is the caller's too: random, at most
// 64 bytes, never the email (section 14.6.1).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/cose_key.h"
#include "webauthn/registration.h"

namespace tessera::webauthn {

enum class Requirement : std::uint8_t { kRequired, kPreferred, kDiscouraged };

// A PublicKeyCredentialDescriptorJSON: excludeCredentials / allowCredentials entries.
struct CredentialDescriptor {
  std::string id;                       // raw credential id
  std::vector<std::string> transports;  // as the registration reported them
};

struct CreationOptions {
  std::string rp_id;
  std::string rp_name;
  std::string user_id;  // the user handle, raw bytes
  std::string user_name;
  std::string user_display_name;
  std::string challenge;                         // raw bytes
  std::span<const CoseAlg> algs = kDefaultAlgs;  // pubKeyCredParams, in preference order
  std::uint32_t timeout_ms = 300000;
  std::vector<CredentialDescriptor> exclude_credentials;  // the user's existing passkeys
  Requirement resident_key = Requirement::kRequired;      // passkeys are discoverable
  Requirement user_verification = Requirement::kRequired;
};

struct RequestOptions {
  std::string challenge;  // raw bytes
  std::string rp_id;
  std::uint32_t timeout_ms = 300000;
  std::vector<CredentialDescriptor> allow_credentials;  // empty: discoverable login
  Requirement user_verification = Requirement::kRequired;
};

// The JSON text of one PublicKeyCredentialCreationOptionsJSON / ...RequestOptionsJSON object
// (the API wraps it as {"publicKey": ...}).
std::string creation_options_json(const CreationOptions& o);
std::string request_options_json(const RequestOptions& o);

}  // namespace tessera::webauthn
