#include "webauthn/authenticator_data.h"

#include <cstring>

#include "webauthn/cbor.h"

namespace tessera::webauthn {
namespace {

constexpr std::size_t kFixedSize = 37;  // rpIdHash (32) + flags (1) + signCount (4)

std::uint32_t be32(std::string_view b) {
  const auto* u = reinterpret_cast<const unsigned char*>(b.data());
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) |
         std::uint32_t{u[3]};
}

}  // namespace

std::expected<AuthenticatorData, Error> parse_authenticator_data(std::string_view bytes) {
  if (bytes.size() < kFixedSize) return std::unexpected(Error::kAuthDataTooShort);
  AuthenticatorData ad;
  std::memcpy(ad.rp_id_hash.data(), bytes.data(), 32);
  ad.flags = static_cast<std::uint8_t>(bytes[32]);
  ad.sign_count = be32(bytes.substr(33, 4));
  std::string_view rest = bytes.substr(kFixedSize);

  if ((ad.flags & kFlagAT) != 0) {
    // Section 6.5.1: aaguid (16) | credentialIdLength (2, big-endian) | credentialId |
    // credentialPublicKey (one COSE_Key, CBOR).
    if (rest.size() < 18) return std::unexpected(Error::kAttestedDataTruncated);
    const auto* u = reinterpret_cast<const unsigned char*>(rest.data());
    const std::size_t id_len = (std::size_t{u[16]} << 8) | u[17];
    if (rest.size() < 18 + id_len + 1) return std::unexpected(Error::kAttestedDataTruncated);
    std::string aaguid(rest.substr(0, 16));
    std::string id(rest.substr(18, id_len));
    rest.remove_prefix(18 + id_len);
    std::size_t key_len = 0;
    std::expected<CoseKey, Error> key = CoseKey::parse_prefix(rest, key_len);
    if (!key) return std::unexpected(key.error());
    ad.attested.emplace(AttestedCredential{.aaguid = std::move(aaguid),
                                           .credential_id = std::move(id),
                                           .public_key = std::string(rest.substr(0, key_len)),
                                           .key = std::move(*key)});
    rest.remove_prefix(key_len);
  }

  if ((ad.flags & kFlagED) != 0) {
    // Section 9: a CBOR map from extension identifiers (text) to their outputs.
    std::optional<cbor::Loaded> ext = cbor::load_prefix(rest);
    if (!ext) return std::unexpected(Error::kExtensionsMalformed);
    const std::optional<cbor::Map> map = cbor::map_of(ext->item.get());
    if (!map) return std::unexpected(Error::kExtensionsMalformed);
    for (const cbor_pair& p : *map) {
      const std::optional<std::string_view> id = cbor::text_of(p.key);
      if (!id) return std::unexpected(Error::kExtensionsMalformed);
      ad.extensions.emplace_back(*id);
    }
    rest.remove_prefix(ext->read);
  }

  if (!rest.empty()) return std::unexpected(Error::kAuthDataTrailingBytes);
  return ad;
}

}  // namespace tessera::webauthn
