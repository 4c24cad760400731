// Authenticator data (W3C WebAuthn Level 3 section 6.1) and its attested credential data
// (section 6.5.1), parsed strictly: every structure the flags announce must be there, whole,
// and nothing may follow the last one.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/cose_key.h"
#include "webauthn/errors.h"

namespace tessera::webauthn {

// Flag bits of authenticator data (section 6.1).
inline constexpr std::uint8_t kFlagUP = 0x01;  // user present
inline constexpr std::uint8_t kFlagUV = 0x04;  // user verified
inline constexpr std::uint8_t kFlagBE = 0x08;  // backup eligible
inline constexpr std::uint8_t kFlagBS = 0x10;  // backup state
inline constexpr std::uint8_t kFlagAT = 0x40;  // attested credential data included
inline constexpr std::uint8_t kFlagED = 0x80;  // extension data included

struct AttestedCredential {
  std::string aaguid;         // 16 bytes
  std::string credential_id;  // raw bytes (at most 65535 here; registration caps it at 1023)
  std::string public_key;     // the COSE_Key exactly as the authenticator encoded it
  CoseKey key;                // public_key, parsed and imported
};

struct AuthenticatorData {
  std::array<unsigned char, 32> rp_id_hash{};
  std::uint8_t flags = 0;
  std::uint32_t sign_count = 0;
  std::optional<AttestedCredential> attested;  // present iff AT is set
  std::vector<std::string> extensions;         // identifiers of the extension outputs (ED)

  bool up() const { return (flags & kFlagUP) != 0; }
  bool uv() const { return (flags & kFlagUV) != 0; }
  bool be() const { return (flags & kFlagBE) != 0; }
  bool bs() const { return (flags & kFlagBS) != 0; }
};

// Parses `bytes` (the whole authenticator data). Errors: kAuthDataTooShort (under 37 bytes),
// kAttestedDataTruncated, the COSE key's own errors, kExtensionsMalformed (ED set but no CBOR
// map with text keys follows), kAuthDataTrailingBytes.
std::expected<AuthenticatorData, Error> parse_authenticator_data(std::string_view bytes);

}  // namespace tessera::webauthn
