// The JSON forms: strict parsing of RegistrationResponseJSON / AuthenticationResponseJSON (every
// malformation a specific Error), and the options JSON the browser's parse*FromJSON() reads.
#include "webauthn/response_json.h"

#include <gtest/gtest.h>

#include "webauthn/options.h"
#include "webauthn/test_util.h"

namespace tessera::webauthn {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): test helpers

Error reg_error(const std::string& text) {
  auto r = parse_registration_response(text);
  EXPECT_FALSE(r.has_value()) << text.substr(0, 200);
  return r ? Error::kInternal : r.error();
}
Error auth_error(const std::string& text) {
  auto r = parse_authentication_response(text);
  EXPECT_FALSE(r.has_value()) << text.substr(0, 200);
  return r ? Error::kInternal : r.error();
}

// `good` with response.<key> set to `v`, or removed when `v` is discarded.
std::string with_response_member(nlohmann::json good, const char* key, nlohmann::json v) {
  if (v.is_discarded()) {
    good["response"].erase(key);
  } else {
    good["response"][key] = std::move(v);
  }
  return good.dump();
}

TEST(ResponseJson, ParsesTheRecordedResponses) {
  const Ceremony c = chromium("es256");
  auto reg = parse_registration_response(c.reg.dump());
  ASSERT_TRUE(reg.has_value()) << describe(reg.error());
  EXPECT_EQ(reg->raw_id, unb64(c.reg.at("rawId").get<std::string>()));
  EXPECT_EQ(reg->transports, std::vector<std::string>{"internal"});
  EXPECT_EQ(reg->authenticator_attachment, "platform");
  auto auth = parse_authentication_response(c.auth.dump());
  ASSERT_TRUE(auth.has_value()) << describe(auth.error());
  EXPECT_EQ(auth->user_handle, c.user_id);
  EXPECT_EQ(auth->signature.size() >= 8, true);
}

TEST(ResponseJson, TopLevelMalformations) {
  const nlohmann::json good = chromium("es256").reg;
  EXPECT_EQ(reg_error("not json"), Error::kJsonMalformed);
  EXPECT_EQ(reg_error("[]"), Error::kJsonMalformed);
  EXPECT_EQ(reg_error(good.dump() + "x"), Error::kJsonMalformed);
  EXPECT_EQ(reg_error(std::string(30, '[') + std::string(30, ']')), Error::kJsonMalformed);
  EXPECT_EQ(reg_error("{\"a\":\"\xff\"}"), Error::kJsonMalformed);  // invalid UTF-8
  EXPECT_EQ(reg_error(std::string(kMaxResponseBytes + 1, ' ')), Error::kResponseTooLarge);
  // Duplicate member: "type" twice.
  std::string dup = good.dump();
  dup.insert(1, "\"type\":\"public-key\",");
  EXPECT_EQ(reg_error(dup), Error::kJsonDuplicateMember);

  auto edited = [&](const char* key, nlohmann::json v) {
    nlohmann::json j = good;
    if (v.is_discarded()) {
      j.erase(key);
    } else {
      j[key] = std::move(v);
    }
    return j.dump();
  };
  const nlohmann::json erase = nlohmann::json::value_t::discarded;
  EXPECT_EQ(reg_error(edited("id", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(reg_error(edited("rawId", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(reg_error(edited("type", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(reg_error(edited("response", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(reg_error(edited("id", 5)), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("response", "x")), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("type", "public-key ")), Error::kWrongCredentialType);
  EXPECT_EQ(reg_error(edited("type", 1)), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("authenticatorAttachment", 1)), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("clientExtensionResults", nlohmann::json::array())),
            Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("rawId", b64("another credential"))), Error::kIdMismatch);
  EXPECT_EQ(reg_error(edited("id", "AAAA=")), Error::kBadBase64url);
  EXPECT_EQ(reg_error(edited("id", "ab+/")), Error::kBadBase64url);
  EXPECT_EQ(reg_error(edited("id", "A")), Error::kBadBase64url);
  EXPECT_EQ(reg_error(edited("id", "")), Error::kIdMismatch);
  const std::string long_id = b64(std::string(1024, 'x'));
  EXPECT_EQ(reg_error(edited("id", long_id)), Error::kMemberTooLarge);
  // null attachment and absent extension results are fine.
  nlohmann::json j = good;
  j["authenticatorAttachment"] = nullptr;
  j.erase("clientExtensionResults");
  EXPECT_TRUE(parse_registration_response(j.dump()).has_value());
}

TEST(ResponseJson, RegistrationResponseMembers) {
  const nlohmann::json good = chromium("es256").reg;
  auto edited = [&](const char* key, nlohmann::json v) {
    return with_response_member(good, key, v);
  };
  const nlohmann::json erase = nlohmann::json::value_t::discarded;
  EXPECT_EQ(reg_error(edited("clientDataJSON", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(reg_error(edited("attestationObject", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(reg_error(edited("attestationObject", "%%%")), Error::kBadBase64url);
  EXPECT_EQ(reg_error(edited("clientDataJSON", nlohmann::json::object())), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("clientDataJSON", b64(std::string(kMaxClientDataBytes + 1, '{')))),
            Error::kMemberTooLarge);
  EXPECT_EQ(reg_error(edited("transports", "internal")), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("transports", nlohmann::json::array({1}))), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("transports", nlohmann::json(std::vector<std::string>(17, "usb")))),
            Error::kMemberTooLarge);
  EXPECT_EQ(reg_error(edited("publicKeyAlgorithm", "ES256")), Error::kJsonMemberType);
  EXPECT_EQ(reg_error(edited("publicKey", 1)), Error::kJsonMemberType);
}

TEST(ResponseJson, AuthenticationResponseMembers) {
  const nlohmann::json good = chromium("es256").auth;
  auto edited = [&](const char* key, nlohmann::json v) {
    return with_response_member(good, key, v);
  };
  const nlohmann::json erase = nlohmann::json::value_t::discarded;
  EXPECT_EQ(auth_error(edited("authenticatorData", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(auth_error(edited("signature", erase)), Error::kJsonMemberMissing);
  EXPECT_EQ(auth_error(edited("signature", "a b")), Error::kBadBase64url);
  EXPECT_EQ(auth_error(edited("signature", b64(std::string(kMaxSignatureBytes + 1, 's')))),
            Error::kMemberTooLarge);
  EXPECT_EQ(auth_error(edited("userHandle", b64(std::string(65, 'u')))), Error::kMemberTooLarge);
  EXPECT_EQ(auth_error(edited("userHandle", 7)), Error::kJsonMemberType);
  // A registration response is not an authentication response.
  EXPECT_EQ(auth_error(chromium("es256").reg.dump()), Error::kJsonMemberMissing);
  auto no_handle = parse_authentication_response(edited("userHandle", nullptr));
  ASSERT_TRUE(no_handle.has_value());
  EXPECT_FALSE(no_handle->user_handle.has_value());
  auto absent = parse_authentication_response(edited("userHandle", erase));
  ASSERT_TRUE(absent.has_value());
  EXPECT_FALSE(absent->user_handle.has_value());
}

TEST(OptionsJson, CreationOptions) {
  CreationOptions o;
  o.rp_id = "example.com";
  o.rp_name = "Example";
  o.user_id = std::string("\x01\x02\xff", 3);
  o.user_name = "alice@example.com";
  o.user_display_name = "Alice";
  o.challenge = std::string(32, '\x07');
  o.exclude_credentials = {{.id = "cred-1", .transports = {"internal", "hybrid"}}};
  const auto j = nlohmann::json::parse(creation_options_json(o));
  EXPECT_EQ(j["rp"]["id"], "example.com");
  EXPECT_EQ(j["rp"]["name"], "Example");
  EXPECT_EQ(j["user"]["id"], b64(o.user_id));
  EXPECT_EQ(j["user"]["name"], "alice@example.com");
  EXPECT_EQ(j["user"]["displayName"], "Alice");
  EXPECT_EQ(j["challenge"], b64(o.challenge));
  ASSERT_EQ(j["pubKeyCredParams"].size(), 3u);
  EXPECT_EQ(j["pubKeyCredParams"][0], (nlohmann::json{{"type", "public-key"}, {"alg", -7}}));
  EXPECT_EQ(j["pubKeyCredParams"][1]["alg"], -8);
  EXPECT_EQ(j["pubKeyCredParams"][2]["alg"], -257);
  EXPECT_EQ(j["timeout"], 300000);
  EXPECT_EQ(j["excludeCredentials"][0]["id"], b64("cred-1"));
  EXPECT_EQ(j["excludeCredentials"][0]["type"], "public-key");
  EXPECT_EQ(j["excludeCredentials"][0]["transports"],
            (std::vector<std::string>{"internal", "hybrid"}));
  EXPECT_EQ(j["authenticatorSelection"]["residentKey"], "required");
  EXPECT_EQ(j["authenticatorSelection"]["requireResidentKey"], true);
  EXPECT_EQ(j["authenticatorSelection"]["userVerification"], "required");
  EXPECT_EQ(j["attestation"], "none");
  // Invalid UTF-8 in a name never throws: it is replaced.
  o.user_display_name = "\xff";
  EXPECT_FALSE(creation_options_json(o).empty());
  o.resident_key = Requirement::kPreferred;
  o.user_verification = Requirement::kDiscouraged;
  const auto k = nlohmann::json::parse(creation_options_json(o));
  EXPECT_EQ(k["authenticatorSelection"]["residentKey"], "preferred");
  EXPECT_EQ(k["authenticatorSelection"]["requireResidentKey"], false);
  EXPECT_EQ(k["authenticatorSelection"]["userVerification"], "discouraged");
}

TEST(OptionsJson, RequestOptions) {
  RequestOptions o;
  o.challenge = "challenge bytes";
  o.rp_id = "example.com";
  auto j = nlohmann::json::parse(request_options_json(o));
  EXPECT_EQ(j["challenge"], b64("challenge bytes"));
  EXPECT_EQ(j["rpId"], "example.com");
  EXPECT_EQ(j["allowCredentials"], nlohmann::json::array());  // discoverable login
  EXPECT_EQ(j["userVerification"], "required");
  EXPECT_EQ(j["timeout"], 300000);
  o.allow_credentials = {{.id = "c", .transports = {}}};
  j = nlohmann::json::parse(request_options_json(o));
  EXPECT_EQ(j["allowCredentials"][0], (nlohmann::json{{"type", "public-key"}, {"id", b64("c")}}));
}

}  // namespace
}  // namespace tessera::webauthn
