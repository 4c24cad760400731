// The verifier against recorded ceremonies (Chromium's virtual authenticator, the W3C Level 3
// test vectors) and against tampered copies of them: every check of W3C WebAuthn sections 7.1
// and 7.2 is made to fail, each with its own Error.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "crypto/hash.h"
#include "webauthn/assertion.h"
#include "webauthn/attestation.h"
#include "webauthn/authenticator_data.h"
#include "webauthn/registration.h"
#include "webauthn/test_util.h"

namespace tessera::webauthn {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): test helpers

constexpr CoseAlg kEveryAlg[] = {CoseAlg::kES256, CoseAlg::kEdDSA, CoseAlg::kES384, CoseAlg::kES512,
                                 CoseAlg::kRS256};

// One ceremony under test, with the expectations its fixture implies; tests edit copies.
struct Case {
  Ceremony c;
  std::vector<std::string> origins;
  RegistrationExpectation reg;
  AssertionExpectation auth;

  explicit Case(Ceremony cer, bool require_uv = true) : c(std::move(cer)), origins{c.origin} {
    reg = {.challenge = c.reg_challenge,
           .rp_id = c.rp_id,
           .allowed_origins = origins,
           .require_user_verification = require_uv,
           .allowed_algs = kEveryAlg};
    auth = {.challenge = c.auth_challenge,
            .rp_id = c.rp_id,
            .allowed_origins = origins,
            .require_user_verification = require_uv};
  }
  Case(const Case&) = delete;

  std::expected<RegisteredCredential, Error> register_json(const nlohmann::json& j) const {
    auto resp = parse_registration_response(j.dump());
    if (!resp) return std::unexpected(resp.error());
    return verify_registration(*resp, reg);
  }
  std::expected<RegisteredCredential, Error> register_() const { return register_json(c.reg); }

  // The credential key, from the unmodified registration.
  CoseKey key() const {
    auto cred = register_();
    EXPECT_TRUE(cred.has_value()) << c.name << ": " << describe(cred.error());
    auto k = CoseKey::parse(cred->public_key);
    EXPECT_TRUE(k.has_value());
    return *k;
  }
  std::expected<VerifiedAssertion, Error> assert_json(const nlohmann::json& j,
                                                      const CoseKey& k) const {
    auto resp = parse_authentication_response(j.dump());
    if (!resp) return std::unexpected(resp.error());
    return verify_assertion(*resp, k, auth);
  }
  std::expected<VerifiedAssertion, Error> assert_() const { return assert_json(c.auth, key()); }
};

std::string reg_member(const nlohmann::json& j, const char* name) {
  return unb64(j.at("response").at(name).get<std::string>());
}
void set_member(nlohmann::json& j, const char* name, std::string_view bytes) {
  j["response"][name] = b64(bytes);
}

// clientDataJSON with one edit (a JSON-level replacement of the whole document).
std::string client_data_with(const nlohmann::json& resp, const char* key, nlohmann::json value) {
  nlohmann::json cd = nlohmann::json::parse(reg_member(resp, "clientDataJSON"));
  if (value.is_null()) {
    cd.erase(key);
  } else {
    cd[key] = std::move(value);
  }
  return cd.dump();
}

// ---------------------------------------------------------------- recorded ceremonies

class Chromium : public ::testing::TestWithParam<std::pair<const char*, CoseAlg>> {};

TEST_P(Chromium, RegistersAndAuthenticates) {
  const auto [name, alg] = GetParam();
  Case t(chromium(name));
  auto cred = t.register_();
  ASSERT_TRUE(cred.has_value()) << describe(cred.error());
  EXPECT_EQ(cred->alg, alg);
  EXPECT_EQ(cred->credential_id, unb64(t.c.reg.at("rawId").get<std::string>()));
  EXPECT_EQ(cred->attestation_format, "none");
  EXPECT_EQ(cred->attestation_type, AttestationType::kNone);
  EXPECT_TRUE(cred->user_verified);
  EXPECT_FALSE(cred->backup_eligible);
  EXPECT_FALSE(cred->backup_state);
  EXPECT_EQ(cred->sign_count, 1u);
  EXPECT_EQ(cred->aaguid.size(), 16u);
  EXPECT_EQ(cred->transports, std::vector<std::string>{"internal"});

  auto key = CoseKey::parse(cred->public_key);
  ASSERT_TRUE(key.has_value()) << describe(key.error());
  auto ok = t.assert_json(t.c.auth, *key);
  ASSERT_TRUE(ok.has_value()) << describe(ok.error());
  EXPECT_EQ(ok->sign_count, 2u);
  EXPECT_TRUE(ok->user_verified);
  EXPECT_FALSE(ok->backup_state);
  ASSERT_TRUE(ok->user_handle.has_value());
  EXPECT_EQ(*ok->user_handle, t.c.user_id);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, Chromium,
                         ::testing::Values(std::pair{"es256", CoseAlg::kES256},
                                           std::pair{"eddsa", CoseAlg::kEdDSA},
                                           std::pair{"rs256", CoseAlg::kRS256}),
                         [](const auto& info) { return std::string(info.param.first); });

// The W3C Level 3 appendix "Test Vectors": which are accepted, and why the others are not.
TEST(W3cVectors, EachVectorVerifiesOrFailsForItsReason) {
  struct Expect {
    std::string name;
    std::optional<Error> reg_error;  // nullopt: registration and authentication succeed
    AttestationType type = AttestationType::kNone;
    CoseAlg alg = CoseAlg::kES256;
  };
  const std::vector<Expect> expected = {
      {"none-es256", {}, AttestationType::kNone},
      {"packed-self-es256", {}, AttestationType::kSelf},
      {"none-es256-crossOrigin", Error::kCrossOrigin},
      {"none-es256-topOrigin", Error::kCrossOrigin},                  // crossOrigin true as well
      {"none-es256-long-credential-id", {}, AttestationType::kNone},  // 1023 bytes: the maximum
      {"packed-es256", {}, AttestationType::kUncertified},
      {"packed-es384", {}, AttestationType::kUncertified, CoseAlg::kES384},
      {"packed-es512", {}, AttestationType::kUncertified, CoseAlg::kES512},
      {"packed-rs256", {}, AttestationType::kUncertified, CoseAlg::kRS256},
      {"packed-eddsa", {}, AttestationType::kUncertified, CoseAlg::kEdDSA},
      {"packed-ed448", Error::kCoseAlgorithmUnknown},  // Ed448 (-53): not implemented
      {"tpm-es256", Error::kUnsupportedAttestationFormat},
      {"android-key-es256", Error::kUnsupportedAttestationFormat},
      {"apple-es256", Error::kUnsupportedAttestationFormat},
      {"fido-u2f-es256", Error::kUnsupportedAttestationFormat},
  };
  const std::vector<Ceremony> all = w3c_vectors();
  ASSERT_EQ(all.size(), expected.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Expect& e = expected[i];
    ASSERT_EQ(all[i].name, e.name);
    // The vectors set UV at random: user verification is not required here.
    Case t(all[i], /*require_uv=*/false);
    auto cred = t.register_();
    if (e.reg_error) {
      ASSERT_FALSE(cred.has_value()) << e.name;
      EXPECT_EQ(cred.error(), *e.reg_error) << e.name << ": " << describe(cred.error());
      continue;
    }
    ASSERT_TRUE(cred.has_value()) << e.name << ": " << describe(cred.error());
    EXPECT_EQ(cred->attestation_type, e.type) << e.name;
    EXPECT_EQ(cred->alg, e.alg) << e.name;
    EXPECT_EQ(cred->sign_count, 0u) << e.name;
    auto ok = t.assert_();
    ASSERT_TRUE(ok.has_value()) << e.name << ": " << describe(ok.error());
    EXPECT_FALSE(ok->user_handle.has_value()) << e.name;
  }
}

// ---------------------------------------------------------------- registration, tampered

class RegistrationTamper : public ::testing::Test {
 protected:
  Case t{chromium("es256")};
  std::string auth_data = reg_member(t.c.reg, "authenticatorData");

  // The response with its attestation object rebuilt as fmt "none" around `ad`.
  nlohmann::json with_auth_data(std::string_view ad, const std::string& fmt = "none") const {
    nlohmann::json j = t.c.reg;
    set_member(j, "attestationObject", attestation_object(fmt, empty_map(), ad));
    return j;
  }
  Error fails(const nlohmann::json& j) const {
    auto r = t.register_json(j);
    EXPECT_FALSE(r.has_value());
    return r ? Error::kInternal : r.error();
  }
  Error fails() const { return fails(t.c.reg); }
};

TEST_F(RegistrationTamper, TheUntamperedRebuildIsAccepted) {
  // The rebuilding itself changes nothing: the tampered cases below fail for their edit only.
  EXPECT_TRUE(t.register_json(with_auth_data(auth_data)).has_value());
}

TEST_F(RegistrationTamper, ClientData) {
  nlohmann::json j = t.c.reg;
  set_member(j, "clientDataJSON", client_data_with(t.c.reg, "type", "webauthn.get"));
  EXPECT_EQ(fails(j), Error::kClientDataType);
  set_member(j, "clientDataJSON", client_data_with(t.c.reg, "crossOrigin", true));
  EXPECT_EQ(fails(j), Error::kCrossOrigin);
  set_member(j, "clientDataJSON", client_data_with(t.c.reg, "topOrigin", "https://evil.example"));
  EXPECT_EQ(fails(j), Error::kTopOrigin);
  set_member(j, "clientDataJSON", client_data_with(t.c.reg, "origin", "http://localhost:1"));
  EXPECT_EQ(fails(j), Error::kOriginNotAllowed);
  set_member(j, "clientDataJSON", client_data_with(t.c.reg, "origin", nullptr));
  EXPECT_EQ(fails(j), Error::kClientDataMalformed);
  set_member(j, "clientDataJSON", client_data_with(t.c.reg, "crossOrigin", "false"));
  EXPECT_EQ(fails(j), Error::kClientDataMalformed);
  set_member(j, "clientDataJSON", "{\"type\":\"webauthn.create\"");
  EXPECT_EQ(fails(j), Error::kClientDataMalformed);
  // A BOM is stripped (UTF-8 decode), an unknown member ignored.
  set_member(j, "clientDataJSON",
             "\xEF\xBB\xBF" + client_data_with(t.c.reg, "extraData", "anything"));
  EXPECT_TRUE(t.register_json(j).has_value());
}

TEST_F(RegistrationTamper, Expectations) {
  const std::string other = crypto::random_bytes(32);
  t.reg.challenge = other;
  EXPECT_EQ(fails(), Error::kChallengeMismatch);
  t.reg.challenge = t.c.reg_challenge;
  const std::vector<std::string> origins = {"https://localhost"};
  t.reg.allowed_origins = origins;
  EXPECT_EQ(fails(), Error::kOriginNotAllowed);
  t.reg.allowed_origins = t.origins;
  t.reg.rp_id = "example.com";
  EXPECT_EQ(fails(), Error::kRpIdHashMismatch);
  t.reg.rp_id = t.c.rp_id;
  constexpr CoseAlg kEdOnly[] = {CoseAlg::kEdDSA};
  t.reg.allowed_algs = kEdOnly;
  EXPECT_EQ(fails(), Error::kAlgorithmNotAllowed);
}

TEST_F(RegistrationTamper, Flags) {
  std::string ad = auth_data;
  ad[32] = static_cast<char>(ad[32] & ~kFlagUP);
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kUserNotPresent);
  ad = auth_data;
  ad[32] = static_cast<char>(ad[32] & ~kFlagUV);
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kUserNotVerified);
  t.reg.require_user_verification = false;
  EXPECT_TRUE(t.register_json(with_auth_data(ad)).has_value());
  ad = auth_data;
  ad[32] = static_cast<char>(ad[32] | kFlagBS);
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kBackupStateWithoutEligible);
  ad[32] = static_cast<char>(ad[32] | kFlagBE);
  auto both = t.register_json(with_auth_data(ad));
  ASSERT_TRUE(both.has_value());
  EXPECT_TRUE(both->backup_eligible && both->backup_state);
}

TEST_F(RegistrationTamper, AuthenticatorDataStructure) {
  EXPECT_EQ(fails(with_auth_data(auth_data.substr(0, 36))), Error::kAuthDataTooShort);
  // AT set, the attested credential data cut at several points.
  EXPECT_EQ(fails(with_auth_data(auth_data.substr(0, 50))), Error::kAttestedDataTruncated);
  EXPECT_EQ(fails(with_auth_data(auth_data.substr(0, 37 + 18 + 10))),
            Error::kAttestedDataTruncated);
  EXPECT_EQ(fails(with_auth_data(auth_data.substr(0, auth_data.size() - 1))),
            Error::kCoseKeyMalformed);
  EXPECT_EQ(fails(with_auth_data(auth_data + "x")), Error::kAuthDataTrailingBytes);
  // AT clear: the first 37 bytes alone.
  std::string bare = auth_data.substr(0, 37);
  bare[32] = static_cast<char>(bare[32] & ~kFlagAT);
  EXPECT_EQ(fails(with_auth_data(bare)), Error::kAttestedDataMissing);
  // ED set: a map of extension outputs must follow.
  std::string ed = auth_data;
  ed[32] = static_cast<char>(ed[32] | kFlagED);
  EXPECT_EQ(fails(with_auth_data(ed)), Error::kExtensionsMalformed);
  EXPECT_EQ(fails(with_auth_data(ed + encode(cint(1)))), Error::kExtensionsMalformed);
  std::vector<std::pair<Item, Item>> ext;
  ext.emplace_back(ctext("credProtect"), cint(2));
  const std::string with_ext = ed + encode(cmap(std::move(ext)));
  EXPECT_EQ(fails(with_auth_data(with_ext)), Error::kUnexpectedExtension);
  const std::vector<std::string> allowed = {"credProtect"};
  t.reg.allowed_extensions = allowed;
  EXPECT_TRUE(t.register_json(with_auth_data(with_ext)).has_value());
}

TEST_F(RegistrationTamper, CredentialId) {
  // rawId naming another credential than the attested one.
  nlohmann::json j = t.c.reg;
  const std::string other = b64(crypto::random_bytes(32));
  j["id"] = other;
  j["rawId"] = other;
  EXPECT_EQ(fails(j), Error::kCredentialIdMismatch);
  // An attested credential id of 1024 bytes (step 25).
  auto parsed = parse_authenticator_data(auth_data);
  ASSERT_TRUE(parsed.has_value());
  std::string ad = auth_data.substr(0, 37 + 16);
  ad += "\x04";
  ad += '\0';
  ad += std::string(1024, 'i');
  ad += parsed->attested->public_key;
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kCredentialIdTooLong);
}

TEST_F(RegistrationTamper, AttestationObject) {
  nlohmann::json j = t.c.reg;
  set_member(j, "attestationObject", "not cbor at all");
  EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  set_member(j, "attestationObject", reg_member(t.c.reg, "attestationObject") + '\0');
  EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  set_member(j, "attestationObject", reg_member(t.c.reg, "attestationObject").substr(0, 100));
  EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  set_member(j, "attestationObject", encode(cint(7)));
  EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  // Headers announcing huge containers with nothing behind them: refused, not allocated for.
  for (const std::string huge :
       {std::string("\x9b\x00\x00\x00\x01\x00\x00\x00\x00", 9),
        std::string("\xbb\x00\x00\x00\x00\x10\x00\x00\x00", 9),
        std::string("\x5b\x7f\xff\xff\xff\xff\xff\xff\xff", 9), std::string(2000, '\x81') + '\x00',
        // Indefinite lengths and tags: not CTAP2 canonical CBOR.
        std::string("\xbf\xff", 2), std::string("\xc0\xa0", 2)}) {
    set_member(j, "attestationObject", huge);
    EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  }
  {  // a fourth member
    std::vector<std::pair<Item, Item>> p;
    p.emplace_back(ctext("fmt"), ctext("none"));
    p.emplace_back(ctext("attStmt"), empty_map());
    p.emplace_back(ctext("authData"), cbytes(auth_data));
    p.emplace_back(ctext("extra"), cint(1));
    set_member(j, "attestationObject", encode(cmap(std::move(p))));
    EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  }
  {  // fmt twice instead of authData
    std::vector<std::pair<Item, Item>> p;
    p.emplace_back(ctext("fmt"), ctext("none"));
    p.emplace_back(ctext("attStmt"), empty_map());
    p.emplace_back(ctext("fmt"), ctext("none"));
    set_member(j, "attestationObject", encode(cmap(std::move(p))));
    EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  }
  {  // authData as text
    std::vector<std::pair<Item, Item>> p;
    p.emplace_back(ctext("fmt"), ctext("none"));
    p.emplace_back(ctext("attStmt"), empty_map());
    p.emplace_back(ctext("authData"), ctext("abc"));
    set_member(j, "attestationObject", encode(cmap(std::move(p))));
    EXPECT_EQ(fails(j), Error::kAttestationObjectMalformed);
  }
  EXPECT_EQ(fails(with_auth_data(auth_data, "tpm")), Error::kUnsupportedAttestationFormat);
  EXPECT_EQ(fails(with_auth_data(auth_data, "None")), Error::kUnsupportedAttestationFormat);
  std::vector<std::pair<Item, Item>> stmt;
  stmt.emplace_back(ctext("alg"), cint(-7));
  set_member(j, "attestationObject", attestation_object("none", cmap(std::move(stmt)), auth_data));
  EXPECT_EQ(fails(j), Error::kAttestationStatementMalformed);
}

// Packed attestation (W3C vectors): self and x5c, each member tampered.
class PackedTamper : public ::testing::Test {
 protected:
  // The vector's attestation object rebuilt with `edit` applied to its attStmt pairs.
  static nlohmann::json rebuilt(
      const Ceremony& c, const std::function<void(std::vector<std::pair<Item, Item>>&)>& edit) {
    auto obj = parse_attestation_object(reg_member(c.reg, "attestationObject"));
    EXPECT_TRUE(obj.has_value());
    std::vector<std::pair<Item, Item>> pairs;
    const std::optional<cbor::Map> stmt = cbor::map_of(obj->att_stmt);
    for (const cbor_pair& p : *stmt) {
      pairs.emplace_back(cref(p.key), cref(p.value));
    }
    edit(pairs);
    nlohmann::json j = c.reg;
    set_member(j, "attestationObject",
               attestation_object(std::string(obj->fmt), cmap(std::move(pairs)), obj->auth_data));
    return j;
  }
  static Item& member(std::vector<std::pair<Item, Item>>& pairs, const char* name) {
    for (auto& [k, v] : pairs) {
      if (cbor::text_of(k.get()) == std::string_view(name)) return v;
    }
    ADD_FAILURE() << "no " << name;
    return pairs.front().second;
  }
  static Error fails(const Case& t, const nlohmann::json& j) {
    auto r = t.register_json(j);
    EXPECT_FALSE(r.has_value());
    return r ? Error::kInternal : r.error();
  }
  static void flip_sig(std::vector<std::pair<Item, Item>>& p) {
    std::string sig(*cbor::bytes_of(member(p, "sig").get()));
    sig[sig.size() / 2] ^= 0x01;
    member(p, "sig") = cbytes(sig);
  }
};

TEST_F(PackedTamper, SelfAttestation) {
  Case t(w3c("packed-self-es256"), false);
  ASSERT_TRUE(t.register_json(rebuilt(t.c, [](auto&) {})).has_value());
  EXPECT_EQ(fails(t, rebuilt(t.c, flip_sig)), Error::kAttestationSignatureInvalid);
  EXPECT_EQ(fails(t, rebuilt(t.c, [](auto& p) { member(p, "alg") = cint(-257); })),
            Error::kAttestationAlgorithmMismatch);
  EXPECT_EQ(fails(t, rebuilt(t.c, [](auto& p) { member(p, "alg") = ctext("ES256"); })),
            Error::kAttestationStatementMalformed);
  EXPECT_EQ(fails(t, rebuilt(t.c, [](auto& p) { p.emplace_back(ctext("ver"), ctext("2.0")); })),
            Error::kAttestationStatementMalformed);
  EXPECT_EQ(fails(t, rebuilt(t.c, [](auto& p) { p.pop_back(); })),
            Error::kAttestationStatementMalformed);
  // The signature covers the client data hash: another clientDataJSON breaks it.
  nlohmann::json j = t.c.reg;
  set_member(j, "clientDataJSON", client_data_with(t.c.reg, "extraData", "changed"));
  EXPECT_EQ(fails(t, j), Error::kAttestationSignatureInvalid);
}

TEST_F(PackedTamper, X5c) {
  Case t(w3c("packed-es256"), false);
  ASSERT_TRUE(t.register_json(rebuilt(t.c, [](auto&) {})).has_value());
  EXPECT_EQ(fails(t, rebuilt(t.c, flip_sig)), Error::kAttestationSignatureInvalid);
  EXPECT_EQ(fails(t, rebuilt(t.c,
                             [](auto& p) {
                               Item certs(cbor_new_definite_array(1));
                               Item junk = cbytes("not a certificate");
                               cbor_array_push(certs.get(), junk.get());
                               member(p, "x5c") = std::move(certs);
                             })),
            Error::kAttestationCertificateInvalid);
  EXPECT_EQ(fails(t, rebuilt(t.c, [](auto& p) { member(p, "alg") = cint(-8); })),
            Error::kAttestationAlgorithmMismatch);
  EXPECT_EQ(fails(t, rebuilt(t.c, [](auto& p) { member(p, "alg") = cint(-65535); })),
            Error::kCoseAlgorithmUnknown);
  EXPECT_EQ(fails(t, rebuilt(t.c, [](auto& p) { member(p, "x5c") = cint(1); })),
            Error::kAttestationStatementMalformed);
}

// ---------------------------------------------------------------- assertions, tampered

class AssertionTamper : public ::testing::Test {
 protected:
  Case t{chromium("es256")};
  CoseKey key = t.key();
  std::string auth_data = reg_member(t.c.auth, "authenticatorData");

  Error fails(const nlohmann::json& j) const { return fails_with(j, key); }
  Error fails_with(const nlohmann::json& j, const CoseKey& k) const {
    auto r = t.assert_json(j, k);
    EXPECT_FALSE(r.has_value());
    return r ? Error::kInternal : r.error();
  }
  nlohmann::json with_auth_data(std::string_view ad) const {
    nlohmann::json j = t.c.auth;
    set_member(j, "authenticatorData", ad);
    return j;
  }
};

TEST_F(AssertionTamper, TheUntamperedAssertionVerifies) {
  EXPECT_TRUE(t.assert_json(t.c.auth, key).has_value());
}

TEST_F(AssertionTamper, ClientData) {
  nlohmann::json j = t.c.auth;
  set_member(j, "clientDataJSON", client_data_with(t.c.auth, "type", "webauthn.create"));
  EXPECT_EQ(fails(j), Error::kClientDataType);
  set_member(j, "clientDataJSON", client_data_with(t.c.auth, "challenge", b64("other")));
  EXPECT_EQ(fails(j), Error::kChallengeMismatch);
  set_member(j, "clientDataJSON", client_data_with(t.c.auth, "origin", "https://evil.example"));
  EXPECT_EQ(fails(j), Error::kOriginNotAllowed);
  set_member(j, "clientDataJSON", client_data_with(t.c.auth, "crossOrigin", true));
  EXPECT_EQ(fails(j), Error::kCrossOrigin);
  set_member(j, "clientDataJSON", client_data_with(t.c.auth, "topOrigin", "http://localhost"));
  EXPECT_EQ(fails(j), Error::kTopOrigin);
  set_member(j, "clientDataJSON", "[]");
  EXPECT_EQ(fails(j), Error::kClientDataMalformed);
  // An edit the checks ignore still breaks the signature (it covers the client data hash).
  set_member(j, "clientDataJSON", client_data_with(t.c.auth, "extraData", "x"));
  EXPECT_EQ(fails(j), Error::kSignatureInvalid);
}

TEST_F(AssertionTamper, Expectations) {
  const std::string other = crypto::random_bytes(32);
  t.auth.challenge = other;
  EXPECT_EQ(fails(t.c.auth), Error::kChallengeMismatch);
  t.auth.challenge = t.c.auth_challenge;
  const std::vector<std::string> origins = {"http://localhost", "https://localhost"};
  t.auth.allowed_origins = origins;
  EXPECT_EQ(fails(t.c.auth), Error::kOriginNotAllowed);
  t.auth.allowed_origins = t.origins;
  t.auth.rp_id = "localhost.";
  EXPECT_EQ(fails(t.c.auth), Error::kRpIdHashMismatch);
  t.auth.rp_id = t.c.rp_id;
  t.auth.stored_backup_eligible = true;
  EXPECT_EQ(fails(t.c.auth), Error::kBackupEligibilityChanged);
  t.auth.stored_backup_eligible = false;
  EXPECT_TRUE(t.assert_json(t.c.auth, key).has_value());
}

TEST_F(AssertionTamper, Flags) {
  std::string ad = auth_data;
  ad[32] = static_cast<char>(ad[32] & ~kFlagUP);
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kUserNotPresent);
  ad = auth_data;
  ad[32] = static_cast<char>(ad[32] & ~kFlagUV);
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kUserNotVerified);
  // Not required: the flag passes its check, and the signature (over the old flags) fails.
  t.auth.require_user_verification = false;
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kSignatureInvalid);
  ad = auth_data;
  ad[32] = static_cast<char>(ad[32] | kFlagBS);
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kBackupStateWithoutEligible);
}

TEST_F(AssertionTamper, AuthenticatorData) {
  EXPECT_EQ(fails(with_auth_data(auth_data.substr(0, 36))), Error::kAuthDataTooShort);
  EXPECT_EQ(fails(with_auth_data(auth_data + "x")), Error::kAuthDataTrailingBytes);
  std::string ad = auth_data;
  ad[36] = static_cast<char>(ad[36] + 1);  // the sign count
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kSignatureInvalid);
  ad = auth_data;
  ad[0] ^= 0x01;  // the rpIdHash
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kRpIdHashMismatch);
  // Attested credential data belongs to registrations.
  EXPECT_EQ(fails(with_auth_data(reg_member(t.c.reg, "authenticatorData"))),
            Error::kAttestedDataUnexpected);
  ad = auth_data;
  ad[32] = static_cast<char>(ad[32] | kFlagED);
  std::vector<std::pair<Item, Item>> ext;
  ext.emplace_back(ctext("unknownExt"), cbool(true));
  EXPECT_EQ(fails(with_auth_data(ad + encode(cmap(std::move(ext))))), Error::kUnexpectedExtension);
  EXPECT_EQ(fails(with_auth_data(ad)), Error::kExtensionsMalformed);
}

TEST_F(AssertionTamper, Signature) {
  const std::string sig = reg_member(t.c.auth, "signature");
  for (std::size_t i : {std::size_t{0}, std::size_t{1}, sig.size() / 2, sig.size() - 1}) {
    std::string bad = sig;
    bad[i] ^= 0x01;
    nlohmann::json j = t.c.auth;
    set_member(j, "signature", bad);
    EXPECT_EQ(fails(j), Error::kSignatureInvalid) << "byte " << i;
  }
  nlohmann::json j = t.c.auth;
  set_member(j, "signature", sig + '\0');  // trailing byte after the DER
  EXPECT_EQ(fails(j), Error::kSignatureInvalid);
  set_member(j, "signature", std::string(64, '\x11'));  // r||s instead of DER
  EXPECT_EQ(fails(j), Error::kSignatureInvalid);
  set_member(j, "signature", "");
  EXPECT_EQ(fails(j), Error::kSignatureInvalid);
}

TEST_F(AssertionTamper, WrongKey) {
  // Another ES256 credential's key, and keys of the other algorithms.
  EXPECT_EQ(fails_with(t.c.auth, Case(w3c("none-es256"), false).key()), Error::kSignatureInvalid);
  EXPECT_EQ(fails_with(t.c.auth, Case(chromium("eddsa")).key()), Error::kSignatureInvalid);
  EXPECT_EQ(fails_with(t.c.auth, Case(chromium("rs256")).key()), Error::kSignatureInvalid);
}

TEST(AssertionOtherAlgs, SignatureBitFlipsFail) {
  for (const char* name : {"eddsa", "rs256"}) {
    Case t(chromium(name));
    const CoseKey key = t.key();
    ASSERT_TRUE(t.assert_json(t.c.auth, key).has_value()) << name;
    std::string sig = reg_member(t.c.auth, "signature");
    sig[sig.size() / 2] ^= 0x01;
    nlohmann::json j = t.c.auth;
    set_member(j, "signature", sig);
    auto r = t.assert_json(j, key);
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_EQ(r.error(), Error::kSignatureInvalid) << name;
    // The other algorithm's key (Ed25519 vs RSA) never verifies.
    auto other = t.assert_json(t.c.auth, Case(chromium("es256")).key());
    ASSERT_FALSE(other.has_value());
    EXPECT_EQ(other.error(), Error::kSignatureInvalid);
  }
}

// ---------------------------------------------------------------- errors

TEST(Errors, EveryValueHasItsOwnDescription) {
  std::set<std::string_view> seen;
  for (int i = 0; i <= static_cast<int>(Error::kInternal); ++i) {
    const std::string_view d = describe(static_cast<Error>(i));
    EXPECT_FALSE(d.empty());
    EXPECT_NE(d, "unknown webauthn error") << i;
    EXPECT_TRUE(seen.insert(d).second) << "duplicate description: " << d;
  }
}

}  // namespace
}  // namespace tessera::webauthn
