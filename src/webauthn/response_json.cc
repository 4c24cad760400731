#include "webauthn/response_json.h"

#include "base/base64url.h"
#include "jose/json.h"

namespace tessera::webauthn {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Error from_jose(jose::Error e) {
  return e == jose::Error::kDuplicateMember ? Error::kJsonDuplicateMember : Error::kJsonMalformed;
}

// A member that must be present.
std::expected<element, Error> required(object obj, std::string_view name) {
  element e;
  if (obj.at_key(name).get(e) != simdjson::SUCCESS)
    return std::unexpected(Error::kJsonMemberMissing);
  return e;
}

std::expected<std::string_view, Error> string_of(element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return std::unexpected(Error::kJsonMemberType);
  return s;
}

// Base64url text of at most `max_bytes` decoded bytes, decoded. The size is checked before
// decoding, so an oversized member costs nothing.
std::expected<std::string, Error> bytes_of(element e, std::size_t max_bytes) {
  auto s = string_of(e);
  if (!s) return std::unexpected(s.error());
  if (s->size() > base::base64url_encoded_size(max_bytes))
    return std::unexpected(Error::kMemberTooLarge);
  std::optional<std::string> bytes = base::base64url_decode(*s);
  if (!bytes) return std::unexpected(Error::kBadBase64url);
  if (bytes->size() > max_bytes) return std::unexpected(Error::kMemberTooLarge);
  return std::move(*bytes);
}

std::expected<std::string, Error> required_bytes(object obj, std::string_view name,
                                                 std::size_t max_bytes) {
  auto e = required(obj, name);
  if (!e) return std::unexpected(e.error());
  return bytes_of(*e, max_bytes);
}

// A member that is absent, null, or a string.
std::expected<std::optional<std::string>, Error> optional_string(object obj,
                                                                 std::string_view name) {
  element e;
  if (obj.at_key(name).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  auto s = string_of(e);
  if (!s) return std::unexpected(s.error());
  return std::string(*s);
}

// What both response kinds share: id, rawId, type, authenticatorAttachment,
// clientExtensionResults; and the response object, returned.
struct Common {
  std::string raw_id;
  std::optional<std::string> attachment;
  object response;
};

std::expected<Common, Error> parse_common(object root) {
  Common c;
  auto id = required(root, "id");
  if (!id) return std::unexpected(id.error());
  auto id_bytes = bytes_of(*id, kMaxCredentialIdBytes);
  if (!id_bytes) return std::unexpected(id_bytes.error());
  auto raw = required_bytes(root, "rawId", kMaxCredentialIdBytes);
  if (!raw) return std::unexpected(raw.error());
  if (*raw != *id_bytes) return std::unexpected(Error::kIdMismatch);
  if (raw->empty()) return std::unexpected(Error::kJsonMemberMissing);
  c.raw_id = std::move(*raw);

  auto type = required(root, "type");
  if (!type) return std::unexpected(type.error());
  auto type_s = string_of(*type);
  if (!type_s) return std::unexpected(type_s.error());
  if (*type_s != "public-key") return std::unexpected(Error::kWrongCredentialType);

  auto attachment = optional_string(root, "authenticatorAttachment");
  if (!attachment) return std::unexpected(attachment.error());
  c.attachment = std::move(*attachment);

  element e;
  if (root.at_key("clientExtensionResults").get(e) == simdjson::SUCCESS && !e.is_object())
    return std::unexpected(Error::kJsonMemberType);

  auto response = required(root, "response");
  if (!response) return std::unexpected(response.error());
  if (!response->is_object()) return std::unexpected(Error::kJsonMemberType);
  c.response = object(*response);
  return c;
}

std::expected<object, Error> parse_root(std::string_view json) {
  if (json.size() > kMaxResponseBytes) return std::unexpected(Error::kResponseTooLarge);
  // One parser per thread: the elements it returns live until its next parse (jose/json.h).
  // Everything is copied out before this function's callers return.
  thread_local jose::json::StrictParser parser;
  auto root = parser.parse_object(json);
  if (!root) return std::unexpected(from_jose(root.error()));
  return *root;
}

}  // namespace

std::expected<RegistrationResponse, Error> parse_registration_response(std::string_view json) {
  auto root = parse_root(json);
  if (!root) return std::unexpected(root.error());
  auto common = parse_common(*root);
  if (!common) return std::unexpected(common.error());
  const object r = common->response;
  RegistrationResponse out;
  out.raw_id = std::move(common->raw_id);
  out.authenticator_attachment = std::move(common->attachment);

  auto cdj = required_bytes(r, "clientDataJSON", kMaxClientDataBytes);
  if (!cdj) return std::unexpected(cdj.error());
  out.client_data_json = std::move(*cdj);
  auto ao = required_bytes(r, "attestationObject", kMaxAttestationObjectBytes);
  if (!ao) return std::unexpected(ao.error());
  out.attestation_object = std::move(*ao);

  element e;
  if (r.at_key("transports").get(e) == simdjson::SUCCESS) {
    simdjson::dom::array list;
    if (e.get_array().get(list) != simdjson::SUCCESS)
      return std::unexpected(Error::kJsonMemberType);
    if (list.size() > kMaxTransports) return std::unexpected(Error::kMemberTooLarge);
    for (element t : list) {
      auto s = string_of(t);
      if (!s) return std::unexpected(s.error());
      if (s->size() > kMaxTransportChars) return std::unexpected(Error::kMemberTooLarge);
      out.transports.emplace_back(*s);
    }
  }
  // The conveniences getAuthenticatorData(), getPublicKey() and getPublicKeyAlgorithm()
  // (section 5.2.1): type-checked only.
  for (const char* name : {"authenticatorData", "publicKey"}) {
    if (r.at_key(name).get(e) == simdjson::SUCCESS && !e.is_string())
      return std::unexpected(Error::kJsonMemberType);
  }
  if (r.at_key("publicKeyAlgorithm").get(e) == simdjson::SUCCESS && !e.is_int64())
    return std::unexpected(Error::kJsonMemberType);
  return out;
}

std::expected<AuthenticationResponse, Error> parse_authentication_response(std::string_view json) {
  auto root = parse_root(json);
  if (!root) return std::unexpected(root.error());
  auto common = parse_common(*root);
  if (!common) return std::unexpected(common.error());
  const object r = common->response;
  AuthenticationResponse out;
  out.raw_id = std::move(common->raw_id);
  out.authenticator_attachment = std::move(common->attachment);

  auto cdj = required_bytes(r, "clientDataJSON", kMaxClientDataBytes);
  if (!cdj) return std::unexpected(cdj.error());
  out.client_data_json = std::move(*cdj);
  auto ad = required_bytes(r, "authenticatorData", kMaxAuthenticatorDataBytes);
  if (!ad) return std::unexpected(ad.error());
  out.authenticator_data = std::move(*ad);
  auto sig = required_bytes(r, "signature", kMaxSignatureBytes);
  if (!sig) return std::unexpected(sig.error());
  out.signature = std::move(*sig);

  element e;
  if (r.at_key("userHandle").get(e) == simdjson::SUCCESS && !e.is_null()) {
    auto handle = bytes_of(e, kMaxUserHandleBytes);
    if (!handle) return std::unexpected(handle.error());
    // An empty handle names no user: the same as none (section 5.2.2 makes it optional).
    if (!handle->empty()) out.user_handle = std::move(*handle);
  }
  return out;
}

}  // namespace tessera::webauthn
