#include "webauthn/attestation.h"

#include <optional>
#include <vector>

#include "crypto/x509.h"

namespace tessera::webauthn {
namespace {

std::string_view as_view(const std::array<unsigned char, 32>& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

// Does `key` have the shape `info` signs with?
bool key_fits(const crypto::AsymmetricKey& key, const CoseAlgInfo& info) {
  switch (info.scheme) {
    case crypto::Scheme::kEcdsa:
      return key.type() == crypto::KeyType::kEc && key.curve() == info.curve;
    case crypto::Scheme::kEd25519:
      return key.type() == crypto::KeyType::kEd25519;
    default:
      return key.type() == crypto::KeyType::kRsa;
  }
}

bool verify_with(const crypto::AsymmetricKey& key, const CoseAlgInfo& info, std::string_view data,
                 std::string_view sig) {
  if (info.scheme == crypto::Scheme::kEcdsa) return key.verify_ecdsa_der(info.hash, data, sig);
  return key.verify(info.scheme, info.hash, data, sig);
}

// Section 8.2 "packed": alg (int), sig (bytes), optional x5c (non-empty array of bytes).
struct Packed {
  std::int64_t alg = 0;
  std::string_view sig;
  std::vector<std::string_view> x5c;
};

std::expected<Packed, Error> parse_packed(const cbor_item_t* stmt) {
  const std::optional<cbor::Map> map = cbor::map_of(stmt);
  if (!map) return std::unexpected(Error::kAttestationStatementMalformed);
  Packed p;
  bool alg = false, sig = false, x5c = false;
  for (const cbor_pair& pair : *map) {
    const std::optional<std::string_view> key = cbor::text_of(pair.key);
    if (!key) return std::unexpected(Error::kAttestationStatementMalformed);
    if (*key == "alg" && !alg) {
      const auto v = cbor::int_of(pair.value);
      if (!v) return std::unexpected(Error::kAttestationStatementMalformed);
      p.alg = *v;
      alg = true;
    } else if (*key == "sig" && !sig) {
      const auto v = cbor::bytes_of(pair.value);
      if (!v || v->empty()) return std::unexpected(Error::kAttestationStatementMalformed);
      p.sig = *v;
      sig = true;
    } else if (*key == "x5c" && !x5c) {
      if (!cbor_isa_array(pair.value) || !cbor_array_is_definite(pair.value) ||
          cbor_array_size(pair.value) == 0) {
        return std::unexpected(Error::kAttestationStatementMalformed);
      }
      cbor_item_t** items = cbor_array_handle(pair.value);
      for (std::size_t i = 0; i < cbor_array_size(pair.value); ++i) {
        const auto cert = cbor::bytes_of(items[i]);
        if (!cert || cert->empty()) return std::unexpected(Error::kAttestationStatementMalformed);
        p.x5c.push_back(*cert);
      }
      x5c = true;
    } else {
      return std::unexpected(Error::kAttestationStatementMalformed);  // unknown or repeated
    }
  }
  if (!alg || !sig) return std::unexpected(Error::kAttestationStatementMalformed);
  return p;
}

std::expected<AttestationType, Error> verify_packed(const cbor_item_t* stmt,
                                                    std::string_view auth_data,
                                                    const AttestedCredential& cred,
                                                    std::string_view client_data_hash) {
  // Verification procedure step 1: the syntax.
  auto p = parse_packed(stmt);
  if (!p) return std::unexpected(p.error());
  std::string signed_data;
  signed_data.reserve(auth_data.size() + client_data_hash.size());
  signed_data.append(auth_data).append(client_data_hash);
  const CoseAlgInfo* info = cose_alg_info(p->alg);
  if (p->x5c.empty()) {
    // Step 3, self attestation: alg must be the credential key's; the credential key signs.
    if (info == nullptr || info->alg != cred.key.alg())
      return std::unexpected(Error::kAttestationAlgorithmMismatch);
    if (!cred.key.verify(signed_data, p->sig))
      return std::unexpected(Error::kAttestationSignatureInvalid);
    return AttestationType::kSelf;
  }
  // Step 2, x5c: the leaf certificate's key signs with alg.
  if (info == nullptr) return std::unexpected(Error::kCoseAlgorithmUnknown);
  auto cert = crypto::read_certificate(p->x5c.front());
  if (!cert) return std::unexpected(Error::kAttestationCertificateInvalid);
  if (!key_fits(cert->public_key, *info))
    return std::unexpected(Error::kAttestationAlgorithmMismatch);
  if (!verify_with(cert->public_key, *info, signed_data, p->sig))
    return std::unexpected(Error::kAttestationSignatureInvalid);
  // Section 8.2.1: version 3, OU "Authenticator Attestation", not a CA; an AAGUID extension,
  // when present, not critical and equal to the attested AAGUID.
  if (cert->version != 2 || cert->subject_ou != "Authenticator Attestation" || cert->is_ca)
    return std::unexpected(Error::kAttestationCertificateInvalid);
  if (cert->fido_aaguid) {
    if (cert->aaguid_critical) return std::unexpected(Error::kAttestationCertificateInvalid);
    if (*cert->fido_aaguid != cred.aaguid)
      return std::unexpected(Error::kAttestationAaguidMismatch);
  }
  return AttestationType::kUncertified;
}

}  // namespace

std::expected<AttestationObject, Error> parse_attestation_object(std::string_view bytes) {
  std::optional<cbor::Loaded> loaded = cbor::load_prefix(bytes);
  if (!loaded || loaded->read != bytes.size())
    return std::unexpected(Error::kAttestationObjectMalformed);
  const std::optional<cbor::Map> map = cbor::map_of(loaded->item.get());
  if (!map || map->size != 3) return std::unexpected(Error::kAttestationObjectMalformed);
  AttestationObject obj;
  std::optional<std::string_view> fmt, auth_data;
  for (const cbor_pair& p : *map) {
    const std::optional<std::string_view> key = cbor::text_of(p.key);
    if (!key) return std::unexpected(Error::kAttestationObjectMalformed);
    if (*key == "fmt" && !fmt) {
      fmt = cbor::text_of(p.value);
      if (!fmt) return std::unexpected(Error::kAttestationObjectMalformed);
    } else if (*key == "attStmt" && obj.att_stmt == nullptr) {
      if (!cbor::map_of(p.value)) return std::unexpected(Error::kAttestationObjectMalformed);
      obj.att_stmt = p.value;
    } else if (*key == "authData" && !auth_data) {
      auth_data = cbor::bytes_of(p.value);
      if (!auth_data) return std::unexpected(Error::kAttestationObjectMalformed);
    } else {
      return std::unexpected(Error::kAttestationObjectMalformed);
    }
  }
  // Three distinct members of three known names: all present.
  obj.fmt = *fmt;
  obj.auth_data = *auth_data;
  obj.item = std::move(loaded->item);
  return obj;
}

std::expected<AttestationType, Error> verify_attestation(
    const AttestationObject& obj, const AuthenticatorData& auth,
    const std::array<unsigned char, 32>& client_data_hash) {
  // Step 21: a case-sensitive match of fmt.
  if (obj.fmt == "none") {
    // Section 8.7: attStmt is the empty map.
    if (cbor::map_of(obj.att_stmt)->size != 0)
      return std::unexpected(Error::kAttestationStatementMalformed);
    return AttestationType::kNone;
  }
  if (obj.fmt == "packed") {
    return verify_packed(obj.att_stmt, obj.auth_data, *auth.attested, as_view(client_data_hash));
  }
  return std::unexpected(Error::kUnsupportedAttestationFormat);
}

}  // namespace tessera::webauthn
