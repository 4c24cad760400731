// OpenID Connect Discovery as auth/federation/discovery.h checks it.
#include "auth/federation/discovery.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tessera::auth::federation {
namespace {

using nlohmann::json;

json good() {
  return {{"issuer", "https://idp.example"},
          {"authorization_endpoint", "https://idp.example/auth"},
          {"token_endpoint", "https://idp.example/token"},
          {"jwks_uri", "https://idp.example/jwks"},
          {"response_types_supported", {"code", "id_token"}},
          {"code_challenge_methods_supported", {"S256"}},
          {"id_token_signing_alg_values_supported", {"RS256", "ES256"}},
          {"authorization_response_iss_parameter_supported", true}};
}

bool https_only(std::string_view url) { return url.starts_with("https://"); }

TEST(Discovery, ParsesAGoodDocument) {
  auto m = parse_discovery(good().dump(), "https://idp.example", https_only);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->token_endpoint, "https://idp.example/token");
  EXPECT_TRUE(m->authorization_response_iss_parameter_supported);
  EXPECT_EQ(m->id_token_signing_alg_values_supported.size(), 2u);
  EXPECT_EQ(discovery_url("https://idp.example/"),
            "https://idp.example/.well-known/openid-configuration");
}

TEST(Discovery, RefusesWhatTesseraCannotUse) {
  auto refused = [](json doc, std::string_view needle) {
    auto m = parse_discovery(doc.dump(), "https://idp.example", https_only);
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().find(needle), std::string::npos) << m.error();
  };
  json d = good();
  d["issuer"] = "https://idp.example/";  // exactly the configured issuer
  refused(d, "names issuer");
  d = good();
  d["code_challenge_methods_supported"] = {"plain"};
  refused(d, "S256");
  d.erase("code_challenge_methods_supported");
  refused(d, "S256");
  d = good();
  d["response_types_supported"] = {"id_token"};
  refused(d, "code flow");
  d = good();
  d["token_endpoint"] = "http://idp.example/token";
  refused(d, "token_endpoint");
  d = good();
  d.erase("jwks_uri");
  refused(d, "jwks_uri");
  EXPECT_FALSE(parse_discovery("[1]", "https://idp.example", https_only));
}

}  // namespace
}  // namespace tessera::auth::federation
