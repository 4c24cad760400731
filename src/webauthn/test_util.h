// Helpers of the webauthn unit tests: the recorded fixtures (tests/vectors/webauthn/), base64url,
// and CBOR built with libcbor (test_cbor.h).
#pragma once

#include <cbor.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base/base64url.h"
#include "webauthn/cbor.h"
#include "webauthn/test_cbor.h"

namespace tessera::webauthn::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json load_json(const std::string& name) {
  const std::string text = read_text(std::string(TESSERA_WEBAUTHN_VECTORS) + "/" + name);
  if (text.empty()) ADD_FAILURE() << "missing fixture " << name;
  return nlohmann::json::parse(text, nullptr, false);
}

inline std::string b64(std::string_view bytes) { return base::base64url_encode(bytes); }
inline std::string unb64(std::string_view text) {
  auto out = base::base64url_decode(text);
  if (!out) ADD_FAILURE() << "bad base64url in a fixture";
  return out.value_or("");
}

// One ceremony pair: the registration and authentication of one credential.
struct Ceremony {
  std::string name;
  std::string rp_id;
  std::string origin;
  std::string reg_challenge;  // raw
  nlohmann::json reg;         // RegistrationResponseJSON
  std::string auth_challenge;
  nlohmann::json auth;  // AuthenticationResponseJSON
  std::string user_id;  // raw; empty when the fixture has none
};

inline Ceremony ceremony_from(const nlohmann::json& j, std::string name) {
  Ceremony c;
  c.name = std::move(name);
  c.rp_id = j.at("rp_id").get<std::string>();
  c.origin = j.at("origin").get<std::string>();
  c.reg_challenge = unb64(j.at("registration").at("challenge").get<std::string>());
  c.reg = j.at("registration").at("response");
  c.auth_challenge = unb64(j.at("authentication").at("challenge").get<std::string>());
  c.auth = j.at("authentication").at("response");
  if (j.contains("user_id")) c.user_id = unb64(j.at("user_id").get<std::string>());
  return c;
}

inline Ceremony chromium(const std::string& alg) {
  return ceremony_from(load_json("chromium_" + alg + ".json"), "chromium_" + alg);
}

inline std::vector<Ceremony> w3c_vectors() {
  std::vector<Ceremony> out;
  const nlohmann::json doc = load_json("w3c_vectors.json");
  for (const auto& v : doc.at("vectors")) out.push_back(ceremony_from(v, v.at("name")));
  return out;
}

inline Ceremony w3c(const std::string& name) {
  for (Ceremony& c : w3c_vectors()) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no W3C vector " << name;
  return {};
}

}  // namespace tessera::webauthn::test
