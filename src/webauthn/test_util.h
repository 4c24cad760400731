// Helpers of the webauthn unit tests: the recorded fixtures (tests/vectors/webauthn/), base64url,
// and CBOR built with libcbor (tests build their tampered inputs with the same library the
// code under test decodes with; nothing is encoded by hand).
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

// ---- CBOR building (libcbor)
using cbor::Item;

inline Item cint(std::int64_t v) {
  return Item(v >= 0 ? cbor_build_uint64(static_cast<std::uint64_t>(v))
                     : cbor_build_negint64(static_cast<std::uint64_t>(-1 - v)));
}
inline Item cbytes(std::string_view b) {
  return Item(cbor_build_bytestring(reinterpret_cast<cbor_data>(b.data()), b.size()));
}
inline Item ctext(const std::string& s) { return Item(cbor_build_string(s.c_str())); }
inline Item cbool(bool v) { return Item(cbor_build_bool(v)); }

// A definite map of the given pairs, in order (duplicates allowed: tests need them).
inline Item cmap(std::vector<std::pair<Item, Item>> pairs) {
  Item m(cbor_new_definite_map(pairs.size()));
  for (auto& [k, v] : pairs) cbor_map_add(m.get(), cbor_pair{.key = k.get(), .value = v.get()});
  return m;
}

// A shared reference to an existing item (e.g. one taken from a decoded map).
inline Item cref(cbor_item_t* item) { return Item(cbor_incref(item)); }

inline std::string encode(const Item& item) {
  unsigned char* buf = nullptr;
  std::size_t cap = 0;
  const std::size_t n = cbor_serialize_alloc(item.get(), &buf, &cap);
  std::string out(reinterpret_cast<const char*>(buf), n);
  std::free(buf);
  return out;
}

// An attestation object {"fmt", "attStmt", "authData"} (W3C WebAuthn section 6.5.4).
inline std::string attestation_object(const std::string& fmt, Item att_stmt,
                                      std::string_view auth_data) {
  std::vector<std::pair<Item, Item>> pairs;
  pairs.emplace_back(ctext("fmt"), ctext(fmt));
  pairs.emplace_back(ctext("attStmt"), std::move(att_stmt));
  pairs.emplace_back(ctext("authData"), cbytes(auth_data));
  return encode(cmap(std::move(pairs)));
}

inline Item empty_map() { return cmap({}); }

}  // namespace tessera::webauthn::test
