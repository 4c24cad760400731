#include "auth/mfa/totp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>

#include "base/base32.h"
#include "crypto/otp.h"

namespace tessera::auth::mfa {
namespace {

// The SHA-1 seed of RFC 6238 appendix B (and RFC 4226 appendix D).
const std::string kSecret = "12345678901234567890";

std::string code_at(std::int64_t step) {
  return *crypto::hotp(crypto::OtpHash::kSha1, kSecret, static_cast<std::uint64_t>(step), 6);
}

// RFC 6238 appendix B, SHA-1 rows, in their 6-digit form (the last 6 of the 8 digits: the same
// value mod 10^6), with the step T of each.
struct Row {
  std::int64_t time;
  std::int64_t step;
  std::string_view code;
};
constexpr Row kRfc6238Sha1[] = {
    {59, 0x1, "287082"},
    {1111111109, 0x23523EC, "081804"},
    {1111111111, 0x23523ED, "050471"},
    {1234567890, 0x273EF07, "005924"},
    {2000000000, 0x3F940AA, "279037"},
    {20000000000, 0x27BC86AA, "353130"},
};

TEST(TotpMatch, Rfc6238VectorsMatchTheirStep) {
  for (const auto& row : kRfc6238Sha1) {
    EXPECT_EQ(match(kSecret, row.code, row.time), row.step) << row.time;
    EXPECT_EQ(match(kSecret, row.code, row.time, 0), row.step) << row.time;
  }
}

// A fixed time in the middle of a step, whose neighbours' codes are all different (checked), so
// each assertion below is about the window and not a coincidence of codes.
constexpr std::int64_t kNow = 1111111111;
constexpr std::int64_t kStep = kNow / 30;

TEST(TotpMatch, AcceptsOneStepOfDriftEitherSideAndNoMore) {
  std::set<std::string> distinct;
  for (std::int64_t d = -3; d <= 3; ++d) distinct.insert(code_at(kStep + d));
  ASSERT_EQ(distinct.size(), 7U);

  EXPECT_EQ(match(kSecret, code_at(kStep - 1), kNow), kStep - 1);
  EXPECT_EQ(match(kSecret, code_at(kStep), kNow), kStep);
  EXPECT_EQ(match(kSecret, code_at(kStep + 1), kNow), kStep + 1);
  EXPECT_EQ(match(kSecret, code_at(kStep - 2), kNow), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep + 2), kNow), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep - 3), kNow), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep + 3), kNow), std::nullopt);
}

TEST(TotpMatch, DriftParameterWidensOrNarrowsTheWindowWithinBounds) {
  EXPECT_EQ(match(kSecret, code_at(kStep), kNow, 0), kStep);
  EXPECT_EQ(match(kSecret, code_at(kStep - 1), kNow, 0), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep + 1), kNow, 0), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep + 2), kNow, 2), kStep + 2);
  EXPECT_EQ(match(kSecret, code_at(kStep), kNow, -1), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep), kNow, kTotpMaxDrift + 1), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep), kNow, kTotpMaxDrift), kStep);
}

TEST(TotpMatch, StepBoundariesFollowTheClock) {
  // 30 s steps: the last second of a step and the first of the next.
  const std::int64_t start = kStep * 30;
  EXPECT_EQ(match(kSecret, code_at(kStep + 2), start + 29, 1), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(kStep + 2), start + 30, 1), kStep + 2);
}

TEST(TotpMatch, RefusesMalformedCodes) {
  const std::string good = code_at(kStep);
  ASSERT_EQ(match(kSecret, good, kNow), kStep);
  for (const std::string& bad : {
           good.substr(0, 5),                         // 5 digits
           good + "0",                                // 7 digits
           " " + good.substr(0, 5),                   // leading space, 6 bytes
           " " + good,                                // leading space
           good + " ",                                // trailing space
           good + "\n",                               // line break
           good.substr(0, 2) + "a" + good.substr(3),  // a letter
           "+" + good.substr(1),                      // a sign
           "-" + good.substr(1),
           good.substr(0, 3) + " " + good.substr(3),  // grouped as apps display it
           std::string(),                             // empty
           std::string("\0\0\0\0\0\0", 6),            // NULs
           std::string("12345") + '\0',
           std::string("\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4\xD9\xA5\xD9\xA6"),  // Arabic-Indic 123456
           std::string("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95"
                       "\xEF\xBC\x96"),              // fullwidth 123456
           std::string("\xB9\xB2\xB3\xB9\xB2\xB3"),  // Latin-1 superscripts
       }) {
    EXPECT_FALSE(is_code_form(bad)) << bad;
    EXPECT_EQ(match(kSecret, bad, kNow), std::nullopt) << bad;
  }
  EXPECT_TRUE(is_code_form("000000"));
  EXPECT_TRUE(is_code_form("999999"));
}

TEST(TotpMatch, NoStepBeforeTheEpoch) {
  EXPECT_EQ(match(kSecret, code_at(0), 0), 0);
  EXPECT_EQ(match(kSecret, code_at(0), 29), 0);
  EXPECT_EQ(match(kSecret, code_at(1), 0), 1);
  EXPECT_EQ(match(kSecret, code_at(0), -1), std::nullopt);
  EXPECT_EQ(match(kSecret, code_at(0), INT64_MIN), std::nullopt);
  EXPECT_EQ(match(kSecret, "000000", INT64_MAX), std::nullopt);  // no overflow, no crash
}

TEST(TotpMatch, RefusesUnusableSecrets) {
  const std::string short_secret(15, 'k');
  const std::string code =
      *crypto::hotp(crypto::OtpHash::kSha1, std::string(16, 'k'), kStep, 6);  // any 6 digits
  EXPECT_EQ(match(short_secret, code, kNow), std::nullopt);
  EXPECT_EQ(match("", code, kNow), std::nullopt);
  EXPECT_EQ(match(std::string(16, 'k'), code, kNow), kStep);
}

TEST(TotpMatch, AnotherSecretsCodeDoesNotMatch) {
  std::string other = kSecret;
  other[19] = 'x';
  const std::string code = *crypto::hotp(crypto::OtpHash::kSha1, other, kStep, 6);
  ASSERT_NE(code, code_at(kStep - 1));
  ASSERT_NE(code, code_at(kStep));
  ASSERT_NE(code, code_at(kStep + 1));
  EXPECT_EQ(match(kSecret, code, kNow), std::nullopt);
}

TEST(TotpReplay, IsUnusedStepIsStrictlyGreater) {
  EXPECT_TRUE(is_unused_step(0, std::nullopt));
  EXPECT_TRUE(is_unused_step(11, 10));
  EXPECT_FALSE(is_unused_step(10, 10));
  EXPECT_FALSE(is_unused_step(9, 10));
}

TEST(TotpReplay, MatchUnusedRefusesTheAcceptedStepAndEarlierOnes) {
  const std::string now_code = code_at(kStep);
  EXPECT_EQ(match_unused(kSecret, now_code, kNow, std::nullopt), kStep);
  EXPECT_EQ(match_unused(kSecret, now_code, kNow, kStep - 1), kStep);
  // The same code again in its step: a replay (RFC 6238 section 5.2).
  EXPECT_EQ(match_unused(kSecret, now_code, kNow, kStep), std::nullopt);
  // Still refused in the next step, while it is inside the drift window.
  EXPECT_EQ(match_unused(kSecret, now_code, kNow + 30, kStep), std::nullopt);
  // An older code after a later one was accepted.
  EXPECT_EQ(match_unused(kSecret, code_at(kStep - 1), kNow, kStep), std::nullopt);
  EXPECT_EQ(match_unused(kSecret, code_at(kStep - 1), kNow, kStep + 1), std::nullopt);
  // The next code is fine.
  EXPECT_EQ(match_unused(kSecret, code_at(kStep + 1), kNow, kStep), kStep + 1);
  // Malformed stays refused whatever was accepted.
  EXPECT_EQ(match_unused(kSecret, " " + now_code, kNow, std::nullopt), std::nullopt);
}

// For this secret, steps 67507239 and 67507241 have the same code, 127604 (found by search);
// 67507240's differs. At a time in step 67507240 the window holds both.
TEST(TotpReplay, ACodeMatchingTwoStepsCountsAsTheLatest) {
  constexpr std::int64_t kMiddle = 67507240;
  ASSERT_EQ(code_at(kMiddle - 1), "127604");
  ASSERT_EQ(code_at(kMiddle + 1), "127604");
  ASSERT_NE(code_at(kMiddle), "127604");
  const std::int64_t now = kMiddle * 30 + 15;
  EXPECT_EQ(match(kSecret, "127604", now), kMiddle + 1);
  EXPECT_EQ(match_unused(kSecret, "127604", now, std::nullopt), kMiddle + 1);
  // Accepted once (as the latest step), it cannot be accepted again through the earlier one.
  EXPECT_EQ(match_unused(kSecret, "127604", now, kMiddle + 1), std::nullopt);
  // Had only the earlier step been used, the later one still counts.
  EXPECT_EQ(match_unused(kSecret, "127604", now, kMiddle - 1), kMiddle + 1);
}

TEST(TotpSecret, NewSecretsAre160RandomBits) {
  const std::string a = new_secret();
  const std::string b = new_secret();
  EXPECT_EQ(a.size(), 20U);
  EXPECT_EQ(b.size(), 20U);
  EXPECT_NE(a, b);
  // Usable as is: its current code matches.
  EXPECT_EQ(match(a, *crypto::totp(a, kNow), kNow), kStep);
}

TEST(OtpauthUri, KeyUriFormatWithIssuerAndPercentEncodedLabel) {
  EXPECT_EQ(otpauth_uri("ACME Co", "alice@example.com", kSecret),
            "otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30");
  // The secret parameter decodes back to the secret.
  const auto uri = otpauth_uri("Tessera", "bob@example.com", kSecret);
  ASSERT_TRUE(uri.has_value());
  const auto at = uri->find("secret=") + 7;
  EXPECT_EQ(base::base32_decode(uri->substr(at, uri->find('&', at) - at)), kSecret);
}

TEST(OtpauthUri, EncodesWhatCouldSplitTheLabelOrTheQuery) {
  const auto uri = otpauth_uri("Acme & Sons/Ltd?", "we:ird+name#1@x.example", kSecret);
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(*uri,
            "otpauth://totp/Acme%20%26%20Sons%2FLtd%3F:we%3Aird%2Bname%231%40x.example"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20%26%20Sons%2FLtd%3F"
            "&algorithm=SHA1&digits=6&period=30");
  // Exactly one literal ':' (the separator), one '?', no '#', no space.
  EXPECT_EQ(std::count(uri->begin(), uri->end(), ':'), 2);  // "otpauth:" and the separator
  EXPECT_EQ(std::count(uri->begin(), uri->end(), '?'), 1);
  EXPECT_EQ(uri->find_first_of("# "), std::string::npos);
  // UTF-8 is percent-encoded byte by byte.
  EXPECT_EQ(otpauth_uri("Caf\xC3\xA9", "a@b.example", kSecret)->substr(0, 27),
            "otpauth://totp/Caf%C3%A9:a%");
}

TEST(OtpauthUri, RefusesWhatAppsCannotReadBack) {
  EXPECT_EQ(otpauth_uri("", "a@b.example", kSecret).error().code, Errc::kBadInput);
  EXPECT_EQ(otpauth_uri("Ac:me", "a@b.example", kSecret).error().code, Errc::kBadInput);
  EXPECT_EQ(otpauth_uri("Acme", "", kSecret).error().code, Errc::kBadInput);
  EXPECT_EQ(otpauth_uri("Acme", "a@b.example", std::string(15, 'k')).error().code, Errc::kBadInput);
  EXPECT_EQ(otpauth_uri("Acme", "a@b.example", "").error().code, Errc::kBadInput);
  EXPECT_TRUE(otpauth_uri("Acme", "a@b.example", std::string(16, 'k')).has_value());
}

}  // namespace
}  // namespace tessera::auth::mfa
