// A software authenticator for tests only: it answers the options Tessera sends (the
// "publicKey" member of {publicKey: ...}) with the RegistrationResponseJSON and
// AuthenticationResponseJSON a browser would post (W3C WebAuthn Level 3 section 5.1.8), for
// any challenge, so that the auth layer's and the HTTP suites' ceremonies run end to end
// without recorded fixtures. Keys come from crypto/ (ES256 or Ed25519); CBOR is built with
// libcbor (test_cbor.h). Attestation is always "none".
//
// Every field that a test may want to get wrong is a public member: the origin, the rp id,
// the flags, the counter, the client data type, whether a user handle is sent.
//
// Usage:
//   TestAuthenticator a("example.com", "https://example.com");
//   json reg = a.create(options["publicKey"]);      // POST /auth/passkeys/register
//   json login = a.get(request_options["publicKey"]); // POST /auth/passkeys/login
//
// Not thread-safe. Header-only; links tessera_webauthn (crypto, libcbor) and nlohmann_json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/base64url.h"
#include "crypto/hash.h"
#include "crypto/pkey.h"
#include "webauthn/authenticator_data.h"
#include "webauthn/cose_key.h"
#include "webauthn/test_cbor.h"

namespace tessera::webauthn::test {

class TestAuthenticator {
 public:
  // A new credential key of `alg` (kES256 or kEdDSA) and a random 32-byte credential id.
  TestAuthenticator(std::string rp_id_in, std::string origin_in, CoseAlg alg = CoseAlg::kES256)
      : rp_id(std::move(rp_id_in)),
        origin(std::move(origin_in)),
        credential_id(crypto::random_bytes(32)),
        alg_(alg),
        key_(make_key(alg)) {}

  // ---- what the authenticator and its client put in the next response
  std::string rp_id;   // hashed into authenticator data
  std::string origin;  // clientDataJSON.origin
  std::string credential_id;
  std::string user_handle;  // raw; set by create() from options.user.id
  bool user_verified = true;
  bool backup_eligible = false;
  bool backup_state = false;
  // The counter the next response reports; every response adds `counter_step` after using it.
  std::uint32_t sign_count = 0;
  std::uint32_t counter_step = 1;
  bool send_user_handle = true;                 // assertions: response.userHandle
  std::string create_type = "webauthn.create";  // clientDataJSON.type of create()
  std::string get_type = "webauthn.get";        // ... of get()
  std::vector<std::string> transports = {"internal", "hybrid"};
  std::string aaguid = std::string(16, '\0');  // all zero, as "none" attestation leaves it

  // RegistrationResponseJSON for PublicKeyCredentialCreationOptionsJSON `options` (its
  // challenge and user.id are used; rp.id is NOT: `rp_id` is, so tests can get it wrong).
  nlohmann::json create(const nlohmann::json& options) {
    user_handle = unb64(options.at("user").at("id").get<std::string>());
    return registration(options.at("challenge").get<std::string>());
  }

  // RegistrationResponseJSON for the base64url `challenge`.
  nlohmann::json registration(const std::string& challenge) {
    const std::string client_data = client_data_json(create_type, challenge);
    std::string auth_data = authenticator_data(kFlagAT);
    auth_data += aaguid;
    auth_data.push_back(static_cast<char>(credential_id.size() >> 8));
    auth_data.push_back(static_cast<char>(credential_id.size() & 0xff));
    auth_data += credential_id;
    auth_data += cose_key();
    const std::string attestation = attestation_object("none", empty_map(), auth_data);
    return {{"id", b64(credential_id)},
            {"rawId", b64(credential_id)},
            {"type", "public-key"},
            {"response",
             {{"clientDataJSON", b64(client_data)},
              {"attestationObject", b64(attestation)},
              {"transports", transports}}},
            {"authenticatorAttachment", "platform"},
            {"clientExtensionResults", nlohmann::json::object()}};
  }

  // AuthenticationResponseJSON for PublicKeyCredentialRequestOptionsJSON `options` (its
  // challenge; allowCredentials is not looked at, so tests can answer with any credential).
  nlohmann::json get(const nlohmann::json& options) {
    return assertion(options.at("challenge").get<std::string>());
  }

  // AuthenticationResponseJSON for the base64url `challenge`.
  nlohmann::json assertion(const std::string& challenge) {
    const std::string client_data = client_data_json(get_type, challenge);
    const std::string auth_data = authenticator_data(0);
    const auto hash = crypto::sha256(client_data);
    const std::string signed_data =
        auth_data + std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
    nlohmann::json response = {{"clientDataJSON", b64(client_data)},
                               {"authenticatorData", b64(auth_data)},
                               {"signature", b64(sign(signed_data))}};
    if (send_user_handle && !user_handle.empty()) response["userHandle"] = b64(user_handle);
    return {{"id", b64(credential_id)},
            {"rawId", b64(credential_id)},
            {"type", "public-key"},
            {"response", std::move(response)},
            {"authenticatorAttachment", "platform"},
            {"clientExtensionResults", nlohmann::json::object()}};
  }

  static std::string b64(std::string_view raw) { return base::base64url_encode(raw); }
  static std::string unb64(std::string_view text) {
    auto raw = base::base64url_decode(text);
    if (!raw) throw std::invalid_argument("not base64url");
    return *raw;
  }

 private:
  static crypto::AsymmetricKey make_key(CoseAlg alg) {
    auto key = alg == CoseAlg::kEdDSA ? crypto::AsymmetricKey::generate_ed25519()
                                      : crypto::AsymmetricKey::generate_ec(crypto::Curve::kP256);
    if (!key || (alg != CoseAlg::kEdDSA && alg != CoseAlg::kES256)) {
      throw std::invalid_argument("TestAuthenticator: ES256 or EdDSA only");
    }
    return *key;
  }

  std::string client_data_json(const std::string& type, const std::string& challenge) const {
    return nlohmann::json{
        {"type", type}, {"challenge", challenge}, {"origin", origin}, {"crossOrigin", false}}
        .dump();
  }

  // rpIdHash, flags (UP always, the rest from the members, plus `extra`), signCount; then
  // advances the counter.
  std::string authenticator_data(std::uint8_t extra) {
    const auto hash = crypto::sha256(rp_id);
    std::string out(reinterpret_cast<const char*>(hash.data()), hash.size());
    std::uint8_t flags = kFlagUP | extra;
    if (user_verified) flags |= kFlagUV;
    if (backup_eligible) flags |= kFlagBE;
    if (backup_state) flags |= kFlagBS;
    out.push_back(static_cast<char>(flags));
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((sign_count >> shift) & 0xff));
    }
    sign_count += counter_step;
    return out;
  }

  // The COSE_Key (RFC 9053 sections 2 and 7) of the credential's public key.
  std::string cose_key() const {
    std::vector<std::pair<Item, Item>> m;
    if (alg_ == CoseAlg::kEdDSA) {
      m.emplace_back(cint(1), cint(1));  // kty OKP
      m.emplace_back(cint(3), cint(-8));
      m.emplace_back(cint(-1), cint(6));  // crv Ed25519
      m.emplace_back(cint(-2), cbytes(key_.okp_params(false).x));
    } else {
      const crypto::EcParams p = key_.ec_params(false);
      m.emplace_back(cint(1), cint(2));  // kty EC2
      m.emplace_back(cint(3), cint(-7));
      m.emplace_back(cint(-1), cint(1));  // crv P-256
      m.emplace_back(cint(-2), cbytes(p.x));
      m.emplace_back(cint(-3), cbytes(p.y));
    }
    return encode(cmap(std::move(m)));
  }

  // W3C WebAuthn section 6.5.5: ECDSA signatures DER-encoded, Ed25519 raw.
  std::string sign(const std::string& data) const {
    if (alg_ == CoseAlg::kEdDSA) {
      return key_.sign(crypto::Scheme::kEd25519, crypto::Hash::kSha512, data).value();
    }
    const std::string rs = key_.sign(crypto::Scheme::kEcdsa, crypto::Hash::kSha256, data).value();
    const std::string body = der_integer(rs.substr(0, 32)) + der_integer(rs.substr(32));
    return std::string{0x30, static_cast<char>(body.size())} + body;
  }

  // A DER INTEGER of an unsigned big-endian number (minimal, a 0x00 before a high bit).
  static std::string der_integer(std::string n) {
    while (n.size() > 1 && n.front() == '\0') n.erase(0, 1);
    if ((static_cast<unsigned char>(n.front()) & 0x80) != 0) n.insert(0, 1, '\0');
    return std::string{0x02, static_cast<char>(n.size())} + n;
  }

  CoseAlg alg_;
  crypto::AsymmetricKey key_;
};

}  // namespace tessera::webauthn::test
