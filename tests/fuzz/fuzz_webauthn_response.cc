// Fuzzes the WebAuthn response parsers and verifiers (src/webauthn/).
//
// Input: the text of a RegistrationResponseJSON or AuthenticationResponseJSON; the same bytes
// are also fed, raw, to the CBOR-level parsers (authenticator data, attestation object,
// COSE_Key), which every decoded member reaches in turn.
//
// Invariants (abort() on violation):
//   1. Nothing crashes, leaks or reads out of bounds (ASan/UBSan), whatever the input.
//   2. A parsed response's byte members respect their limits (response_json.h).
//   3. No forged input verifies: the expectations use a fresh random challenge, so any
//      successful verification would be a bug.
#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "crypto/pkey.h"
#include "webauthn/assertion.h"
#include "webauthn/attestation.h"
#include "webauthn/authenticator_data.h"
#include "webauthn/cose_key.h"
#include "webauthn/registration.h"
#include "webauthn/response_json.h"

namespace webauthn = tessera::webauthn;

namespace {

struct Env {
  std::string challenge = tessera::crypto::random_bytes(32);
  std::vector<std::string> origins = {"http://localhost:35007", "https://example.org"};
  webauthn::CoseKey key = [] {
    const auto ec = tessera::crypto::AsymmetricKey::generate_ec(tessera::crypto::Curve::kP256);
    const auto p = ec->ec_params(false);
    // The COSE_Key {1: 2, 3: -7, -1: 1, -2: x, -3: y}, built with libcbor.
    auto bytes = [](const std::string& b) {
      return cbor_build_bytestring(reinterpret_cast<cbor_data>(b.data()), b.size());
    };
    cbor_item_t* items[10] = {
        cbor_build_uint8(1),   cbor_build_uint8(2), cbor_build_uint8(3),   cbor_build_negint8(6),
        cbor_build_negint8(0), cbor_build_uint8(1), cbor_build_negint8(1), bytes(p.x),
        cbor_build_negint8(2), bytes(p.y)};
    cbor_item_t* map = cbor_new_definite_map(5);
    for (int i = 0; i < 10; i += 2)
      cbor_map_add(map, cbor_pair{.key = items[i], .value = items[i + 1]});
    unsigned char* buf = nullptr;
    std::size_t cap = 0;
    const std::size_t n = cbor_serialize_alloc(map, &buf, &cap);
    const std::string cose(reinterpret_cast<const char*>(buf), n);
    std::free(buf);
    for (cbor_item_t*& i : items) cbor_decref(&i);
    cbor_decref(&map);
    auto k = webauthn::CoseKey::parse(cose);
    if (!k) std::abort();
    return *k;
  }();
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Leaked on purpose: destroying its OpenSSL key after OpenSSL's own atexit cleanup crashes.
  static const Env& env = *new Env;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  (void)webauthn::parse_authenticator_data(text);
  (void)webauthn::parse_attestation_object(text);
  (void)webauthn::CoseKey::parse(text);

  if (auto reg = webauthn::parse_registration_response(text)) {
    if (reg->raw_id.size() > webauthn::kMaxCredentialIdBytes ||
        reg->client_data_json.size() > webauthn::kMaxClientDataBytes ||
        reg->attestation_object.size() > webauthn::kMaxAttestationObjectBytes) {
      std::abort();
    }
    (void)webauthn::parse_attestation_object(reg->attestation_object);
    const webauthn::RegistrationExpectation expect{
        .challenge = env.challenge, .rp_id = "localhost", .allowed_origins = env.origins};
    if (webauthn::verify_registration(*reg, expect)) std::abort();
  }
  if (auto auth = webauthn::parse_authentication_response(text)) {
    if (auth->raw_id.size() > webauthn::kMaxCredentialIdBytes ||
        auth->signature.size() > webauthn::kMaxSignatureBytes ||
        (auth->user_handle && auth->user_handle->size() > webauthn::kMaxUserHandleBytes)) {
      std::abort();
    }
    (void)webauthn::parse_authenticator_data(auth->authenticator_data);
    const webauthn::AssertionExpectation expect{
        .challenge = env.challenge, .rp_id = "localhost", .allowed_origins = env.origins};
    if (webauthn::verify_assertion(*auth, env.key, expect)) std::abort();
  }
  return 0;
}
