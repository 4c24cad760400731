#include "tessera/jwt.h"

#include <gtest/gtest.h>

#include "jose/test_util.h"

namespace tessera::jose {
namespace {

constexpr std::int64_t kNow = 1700000000;

class JwtTest : public ::testing::Test {
 protected:
  Jwk key_ = Jwk::generate(Alg::kES256, "k").value();
  Jwks set_{{key_.public_key()}};
  ClaimsPolicy policy_{.issuer = "https://id.example", .audience = "api"};

  std::string token(std::string_view claims, std::string typ = "at+jwt") {
    return sign(key_, claims, {.typ = typ}).value();
  }
  std::expected<Claims, Error> check(std::string_view claims, std::int64_t now = kNow) {
    return verify_jwt(token(claims), set_, policy_, now);
  }
  static std::string claims_with(std::string_view extra_or_override) {
    return R"({"iss":"https://id.example","sub":"u1","aud":"api","iat":1700000000,"exp":1700000900,"jti":"j1")" +
           std::string(extra_or_override) + "}";
  }
};

TEST_F(JwtTest, AcceptsAValidAccessToken) {
  auto c = check(claims_with(
      R"(,"sid":"s1","roles":["user","admin"],"auth_time":1699999990,"scope":"a b","client_id":"c",)"
      R"("amr":["pwd","otp","mfa"],"acr":"aal2")"));
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->iss, "https://id.example");
  EXPECT_EQ(c->sub, "u1");
  EXPECT_EQ(c->aud, std::vector<std::string>{"api"});
  EXPECT_EQ(c->exp, 1700000900);
  EXPECT_EQ(c->iat, 1700000000);
  EXPECT_EQ(c->auth_time, 1699999990);
  EXPECT_EQ(c->jti, "j1");
  EXPECT_EQ(c->sid, "s1");
  EXPECT_EQ(c->scope, "a b");
  EXPECT_EQ(c->client_id, "c");
  EXPECT_EQ(c->roles, (std::vector<std::string>{"user", "admin"}));
  EXPECT_EQ(c->amr, (std::vector<std::string>{"pwd", "otp", "mfa"}));
  EXPECT_EQ(c->acr, "aal2");
}

TEST_F(JwtTest, ExpiryHonoursLeewayToTheSecond) {
  // exp = 1700000900, leeway 30: valid through 1700000929, expired from 1700000930.
  EXPECT_TRUE(check(claims_with(""), 1700000929));
  EXPECT_EQ(check(claims_with(""), 1700000930).error(), Error::kExpired);
  policy_.leeway_seconds = 0;
  EXPECT_TRUE(check(claims_with(""), 1700000899));
  EXPECT_EQ(check(claims_with(""), 1700000900).error(), Error::kExpired);
}

TEST_F(JwtTest, NotBeforeAndIssuedAtHonourLeeway) {
  const std::string nbf = claims_with(R"(,"nbf":1700000100)");
  EXPECT_TRUE(check(nbf, 1700000070));
  EXPECT_EQ(check(nbf, 1700000069).error(), Error::kNotYetValid);
  // iat in the future beyond the leeway.
  const std::string future =
      R"({"iss":"https://id.example","sub":"u1","aud":"api","iat":1700000031,"exp":1700000900,"jti":"j1"})";
  EXPECT_EQ(check(future).error(), Error::kIssuedInFuture);
  const std::string edge =
      R"({"iss":"https://id.example","sub":"u1","aud":"api","iat":1700000030,"exp":1700000900,"jti":"j1"})";
  EXPECT_TRUE(check(edge));
}

TEST_F(JwtTest, TimesMustBeIntegers) {
  for (std::string exp : {"1700000900.0", "1.7000009e9", "\"1700000900\"", "true", "null",
                          "[1700000900]", "18446744073709551615"}) {
    SCOPED_TRACE(exp);
    const std::string c =
        R"({"iss":"https://id.example","sub":"u1","aud":"api","iat":1700000000,"jti":"j1","exp":)" +
        exp + "}";
    EXPECT_EQ(check(c).error(), Error::kClaimType);
  }
  EXPECT_EQ(check(claims_with(R"(,"nbf":1.5)")).error(), Error::kClaimType);
  EXPECT_EQ(check(claims_with(R"(,"auth_time":"x")")).error(), Error::kClaimType);
  // amr is always an array of strings (RFC 8176 section 1; OIDC Core section 2); acr a string.
  EXPECT_EQ(check(claims_with(R"(,"amr":"pwd")")).error(), Error::kClaimType);
  EXPECT_EQ(check(claims_with(R"(,"amr":["pwd",1])")).error(), Error::kClaimType);
  EXPECT_EQ(check(claims_with(R"(,"acr":2)")).error(), Error::kClaimType);
}

TEST_F(JwtTest, ExtremeTimesDoNotOverflow) {
  const std::string c =
      R"({"iss":"https://id.example","sub":"u1","aud":"api","iat":-9223372036854775808,"jti":"j1","exp":9223372036854775807})";
  EXPECT_TRUE(check(c));
  EXPECT_TRUE(check(c, INT64_MIN));
  EXPECT_EQ(check(claims_with(""), INT64_MAX).error(), Error::kExpired);
}

TEST_F(JwtTest, IssuerAudienceAndTypeMustMatch) {
  EXPECT_EQ(check(claims_with(R"(,"iss":"https://id.example/")")).error(), Error::kDuplicateMember);
  const std::string evil_iss =
      R"({"iss":"https://id.example.evil","sub":"u1","aud":"api","iat":1700000000,"exp":1700000900,"jti":"j1"})";
  EXPECT_EQ(check(evil_iss).error(), Error::kIssuerMismatch);
  const std::string aud_list =
      R"({"iss":"https://id.example","sub":"u1","aud":["other","api"],"iat":1700000000,"exp":1700000900,"jti":"j1"})";
  EXPECT_TRUE(check(aud_list));
  const std::string wrong_aud =
      R"({"iss":"https://id.example","sub":"u1","aud":["other","apis"],"iat":1700000000,"exp":1700000900,"jti":"j1"})";
  EXPECT_EQ(check(wrong_aud).error(), Error::kAudienceMismatch);
  const std::string aud_num =
      R"({"iss":"https://id.example","sub":"u1","aud":5,"iat":1700000000,"exp":1700000900,"jti":"j1"})";
  EXPECT_EQ(check(aud_num).error(), Error::kClaimType);
  const std::string iss_num =
      R"({"iss":1,"sub":"u1","aud":"api","iat":1700000000,"exp":1700000900,"jti":"j1"})";
  EXPECT_EQ(check(iss_num).error(), Error::kClaimType);
  // typ: at+jwt, application/at+jwt, any casing; JWT or absent is refused.
  EXPECT_TRUE(verify_jwt(token(claims_with(""), "application/at+jwt"), set_, policy_, kNow));
  EXPECT_TRUE(verify_jwt(token(claims_with(""), "AT+JWT"), set_, policy_, kNow));
  EXPECT_EQ(verify_jwt(token(claims_with(""), "JWT"), set_, policy_, kNow).error(), Error::kBadTyp);
  EXPECT_EQ(verify_jwt(token(claims_with(""), ""), set_, policy_, kNow).error(), Error::kBadTyp);
  EXPECT_EQ(verify_jwt(token(claims_with(""), "application/jwt"), set_, policy_, kNow).error(),
            Error::kBadTyp);
}

TEST_F(JwtTest, RequiredClaimsArePresent) {
  for (std::string drop : {"iss", "sub", "aud", "exp", "iat", "jti"}) {
    SCOPED_TRACE(drop);
    std::string all[][2] = {{"iss", "\"https://id.example\""},
                            {"sub", "\"u1\""},
                            {"aud", "\"api\""},
                            {"exp", "1700000900"},
                            {"iat", "1700000000"},
                            {"jti", "\"j1\""}};
    std::string c = "{";
    for (auto& [name, value] : all) {
      if (name == drop) continue;
      if (c.size() > 1) c += ",";
      c += "\"" + name + "\":" + value;
    }
    c += "}";
    EXPECT_EQ(check(c).error(), Error::kMissingClaim);
  }
  policy_.required = {"sid"};
  EXPECT_EQ(check(claims_with("")).error(), Error::kMissingClaim);
}

TEST_F(JwtTest, PayloadMustBeAStrictJsonObject) {
  EXPECT_EQ(check("[1,2]").error(), Error::kNotAnObject);
  EXPECT_EQ(check("not json").error(), Error::kBadJson);
  EXPECT_EQ(check(claims_with(",\"name\":\"\xff\"")).error(), Error::kBadJson);
  EXPECT_EQ(check(claims_with(R"(,"sub":"admin")")).error(), Error::kDuplicateMember);
  EXPECT_EQ(check(claims_with(",\"x\":" + std::string(40, '[') + std::string(40, ']'))).error(),
            Error::kTooDeep);
}

}  // namespace
}  // namespace tessera::jose
