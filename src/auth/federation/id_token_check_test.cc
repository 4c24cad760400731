// OpenID Connect Core section 3.1.3.7 as auth/federation/id_token_check.h applies it: one
// accepted token, then each rule broken on its own.
#include "auth/federation/id_token_check.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tessera/jws.h"

namespace tessera::auth::federation {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1'700'000'000;

class IdTokenCheck : public ::testing::Test {
 protected:
  IdTokenCheck()
      : key_(*jose::Jwk::generate(jose::Alg::kRS256, "k1")),
        other_(*jose::Jwk::generate(jose::Alg::kRS256, "k1")),
        keys_({key_.public_key()}) {}

  json claims() const {
    return {{"iss", "https://idp.example"},
            {"sub", "alice"},
            {"aud", "tessera"},
            {"exp", kNow + 300},
            {"iat", kNow - 5},
            {"nonce", "n-123"},
            {"email", "a@example.com"},
            {"email_verified", true},
            {"amr", {"pwd", "otp"}},
            {"auth_time", kNow - 10}};
  }
  IdTokenExpectations expect() const {
    return {.issuer = "https://idp.example",
            .client_id = "tessera",
            .nonce = "n-123",
            .advertised_algs = {"RS256"},
            .now = kNow};
  }
  std::string sign(const json& c, const jose::Jwk* key = nullptr) const {
    return *jose::sign(key ? *key : key_, c.dump());
  }
  IdTokenErrc error_of(const json& c, IdTokenExpectations e) const {
    auto r = check_id_token(sign(c), keys_, e);
    EXPECT_FALSE(r) << "accepted";
    return r ? IdTokenErrc::kJose : r.error().code;
  }
  jose::Error jose_error_of(const std::string& token) const {
    auto r = check_id_token(token, keys_, expect());
    EXPECT_FALSE(r);
    EXPECT_EQ(r ? IdTokenErrc::kNonce : r.error().code, IdTokenErrc::kJose);
    return r ? jose::Error::kInternal : r.error().jose;
  }

  jose::Jwk key_, other_;
  jose::Jwks keys_;
};

TEST_F(IdTokenCheck, AcceptsAGoodToken) {
  auto r = check_id_token(sign(claims()), keys_, expect());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->issuer, "https://idp.example");
  EXPECT_EQ(r->sub, "alice");
  EXPECT_EQ(r->email, "a@example.com");
  EXPECT_TRUE(r->email_verified);
  EXPECT_EQ(r->amr, (std::vector<std::string>{"pwd", "otp"}));
  EXPECT_EQ(r->auth_time, kNow - 10);
}

TEST_F(IdTokenCheck, RefusesSignatureIssuerAudienceAndTime) {
  EXPECT_EQ(jose_error_of(sign(claims(), &other_)), jose::Error::kBadSignature);
  json c = claims();
  c["iss"] = "https://other.example";
  EXPECT_EQ(jose_error_of(sign(c)), jose::Error::kIssuerMismatch);
  c = claims();
  c["aud"] = "someone-else";
  EXPECT_EQ(jose_error_of(sign(c)), jose::Error::kAudienceMismatch);
  c = claims();
  c["exp"] = kNow - 61;
  EXPECT_EQ(jose_error_of(sign(c)), jose::Error::kExpired);
  c = claims();
  c["iat"] = kNow + 120;
  EXPECT_EQ(jose_error_of(sign(c)), jose::Error::kIssuedInFuture);
  c = claims();
  c.erase("sub");
  EXPECT_EQ(jose_error_of(sign(c)), jose::Error::kMissingClaim);
  c = claims();
  c["iat"] = kNow - kMaxIdTokenAge - 1;
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kStale);
}

TEST_F(IdTokenCheck, RefusesAMissingOrWrongNonce) {
  json c = claims();
  c.erase("nonce");
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kNonce);
  c["nonce"] = "n-124";
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kNonce);
  c["nonce"] = 5;
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kBadClaim);
}

// A token for another client (azp) is refused, also when our client_id is among its audiences;
// several audiences need azp.
TEST_F(IdTokenCheck, RefusesAForeignAzp) {
  json c = claims();
  c["azp"] = "other-client";
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kAzp);
  c["aud"] = {"tessera", "other-client"};
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kAzp);
  c.erase("azp");
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kAzp);
  c["azp"] = "tessera";
  EXPECT_TRUE(check_id_token(sign(c), keys_, expect()));
}

// `none`, HMAC (even when advertised: an oct key would be our client secret) and algorithms the
// provider does not advertise are refused.
TEST_F(IdTokenCheck, PinsTheAlgorithm) {
  EXPECT_EQ(jose_error_of("eyJhbGciOiJub25lIn0." + std::string("eyJzdWIiOiJhIn0.")),
            jose::Error::kAlgNone);
  auto secret = jose::Jwk::from_secret(jose::Alg::kHS256, std::string(64, 's'), "h1");
  ASSERT_TRUE(secret);
  IdTokenExpectations e = expect();
  e.advertised_algs = {"HS256", "RS256"};
  auto r = check_id_token(sign(claims(), &*secret), jose::Jwks({*secret}), e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, IdTokenErrc::kAlgNotAllowed);
  e.advertised_algs = {"ES256"};
  EXPECT_EQ(error_of(claims(), e), IdTokenErrc::kAlgNotAllowed);
  e.advertised_algs = {"HS256", "none"};
  EXPECT_EQ(error_of(claims(), e), IdTokenErrc::kAlgNotAllowed);
  EXPECT_EQ(allowed_id_token_algs({}), std::vector<jose::Alg>{jose::Alg::kRS256});
}

TEST_F(IdTokenCheck, EmailVerifiedMustBeABoolean) {
  json c = claims();
  c["email_verified"] = "true";
  EXPECT_EQ(error_of(c, expect()), IdTokenErrc::kBadClaim);
  c.erase("email_verified");
  auto r = check_id_token(sign(c), keys_, expect());
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->email_verified);
}

TEST_F(IdTokenCheck, MaxAgeNeedsARecentAuthTime) {
  IdTokenExpectations e = expect();
  e.max_age = 0;
  json c = claims();
  c.erase("auth_time");
  EXPECT_EQ(error_of(c, e), IdTokenErrc::kAuthTimeMissing);
  c["auth_time"] = kNow - 3600;
  EXPECT_EQ(error_of(c, e), IdTokenErrc::kAuthTimeMissing);
  c["auth_time"] = kNow - 5;
  EXPECT_TRUE(check_id_token(sign(c), keys_, e));
}

}  // namespace
}  // namespace tessera::auth::federation
