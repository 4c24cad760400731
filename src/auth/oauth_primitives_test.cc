// The small OAuth rules: scope parsing (RFC 6749 section 3.3) and PKCE S256 (RFC 7636).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/pkce.h"
#include "auth/scope.h"

namespace tessera::auth {
namespace {

using Scope = std::vector<std::string>;

TEST(Scope, ParsesSpaceDelimitedTokensAndDropsDuplicates) {
  EXPECT_EQ(parse_scope(""), Scope{});
  EXPECT_EQ(parse_scope("openid"), Scope{"openid"});
  EXPECT_EQ(parse_scope("openid email openid"), (Scope{"openid", "email"}));
  EXPECT_EQ(parse_scope("a:b https://x.example/y!"), (Scope{"a:b", "https://x.example/y!"}));
}

TEST(Scope, RefusesMalformedLists) {
  for (const char* bad : {" openid", "openid ", "openid  email", "open\"id", "open\\id",
                          "openid\temail", "caf\xc3\xa9", "\x7f"}) {
    EXPECT_FALSE(parse_scope(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_scope(std::string(kMaxScopeTokenChars + 1, 'a')).has_value());
  std::string many;
  for (std::size_t i = 0; i <= kMaxScopeTokens; ++i) many += (i ? " s" : "s") + std::to_string(i);
  EXPECT_FALSE(parse_scope(many).has_value());
}

TEST(Scope, WithinAndJoin) {
  const Scope allowed{"openid", "email", "profile"};
  EXPECT_TRUE(scope_within(Scope{"email", "openid"}, allowed));
  EXPECT_TRUE(scope_within(Scope{}, allowed));
  EXPECT_FALSE(scope_within(Scope{"openid", "admin"}, allowed));
  EXPECT_FALSE(scope_within(Scope{"Email"}, allowed));  // case-sensitive
  EXPECT_EQ(join_scope(allowed), "openid email profile");
}

// RFC 7636 appendix B.
constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

TEST(Pkce, MatchesTheRfcExample) {
  EXPECT_TRUE(is_code_verifier(kVerifier));
  EXPECT_TRUE(is_code_challenge(kChallenge));
  EXPECT_TRUE(pkce_matches(kVerifier, kChallenge));
}

TEST(Pkce, RefusesWrongPlainAndMalformed) {
  std::string other = kVerifier;
  other[0] = 'e';
  EXPECT_FALSE(pkce_matches(other, kChallenge));
  // `plain`: the verifier presented as its own challenge never matches.
  EXPECT_FALSE(pkce_matches(kVerifier, kVerifier));
  EXPECT_FALSE(is_code_verifier(std::string(42, 'a')));   // too short
  EXPECT_FALSE(is_code_verifier(std::string(129, 'a')));  // too long
  EXPECT_TRUE(is_code_verifier(std::string(128, '~')));
  EXPECT_FALSE(is_code_verifier(std::string(43, 'a') + "+"));
  EXPECT_FALSE(is_code_challenge(std::string(kChallenge) + "="));
  EXPECT_FALSE(is_code_challenge(std::string(kChallenge).substr(1)));
  EXPECT_FALSE(pkce_matches("", kChallenge));
}

}  // namespace
}  // namespace tessera::auth
