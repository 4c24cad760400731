// The OTP functions' limits and edges. The RFC 4226 and RFC 6238 vectors are in
// tests/vectors/otp_vectors_test.cc.
#include "crypto/otp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace tessera::crypto {
namespace {

const std::string kSecret = "12345678901234567890";  // RFC 4226 appendix D

TEST(Otp, RefusesSecretsOutsideTheBounds) {
  EXPECT_EQ(hotp(OtpHash::kSha1, "", 0, 6).error(), OtpError::kSecretTooShort);
  EXPECT_EQ(hotp(OtpHash::kSha1, std::string(15, 'k'), 0, 6).error(), OtpError::kSecretTooShort);
  EXPECT_TRUE(hotp(OtpHash::kSha1, std::string(16, 'k'), 0, 6).has_value());
  EXPECT_TRUE(hotp(OtpHash::kSha1, std::string(kOtpMaxSecretBytes, 'k'), 0, 6).has_value());
  EXPECT_EQ(hotp(OtpHash::kSha1, std::string(kOtpMaxSecretBytes + 1, 'k'), 0, 6).error(),
            OtpError::kSecretTooLong);
}

TEST(Otp, DigitsAreSixToEightAndAlwaysZeroPadded) {
  for (int d : {-1, 0, 5, 9, 10, 100}) {
    EXPECT_EQ(hotp(OtpHash::kSha1, kSecret, 0, d).error(), OtpError::kBadDigits) << d;
  }
  for (int d = kOtpMinDigits; d <= kOtpMaxDigits; ++d) {
    for (std::uint64_t c = 0; c < 200; ++c) {
      const auto code = hotp(OtpHash::kSha1, kSecret, c, d);
      ASSERT_TRUE(code.has_value());
      EXPECT_EQ(code->size(), static_cast<std::size_t>(d));
      EXPECT_EQ(code->find_first_not_of("0123456789"), std::string::npos) << *code;
    }
  }
  // Each shorter code is the tail of the longer one (the same value mod a smaller power of 10).
  EXPECT_EQ(*hotp(OtpHash::kSha1, kSecret, 0, 8), "84755224");
  EXPECT_EQ(*hotp(OtpHash::kSha1, kSecret, 0, 7), "4755224");
}

TEST(Otp, TimeStepIsTheFloorOfElapsedOverPeriod) {
  EXPECT_EQ(totp_step(0), 0U);
  EXPECT_EQ(totp_step(29), 0U);
  EXPECT_EQ(totp_step(30), 1U);
  EXPECT_EQ(totp_step(59), 1U);
  EXPECT_EQ(totp_step(60, 60), 1U);
  EXPECT_EQ(totp_step(100, 30, 10), 3U);
  EXPECT_EQ(totp_step(9, 30, 10).error(), OtpError::kBeforeT0);
  EXPECT_EQ(totp_step(-1).error(), OtpError::kBeforeT0);
  EXPECT_EQ(totp_step(100, 0).error(), OtpError::kBadPeriod);
  EXPECT_EQ(totp_step(100, -30).error(), OtpError::kBadPeriod);
}

TEST(Otp, TimeStepIsExactAtTheEndsOfInt64) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(totp_step(kMax, 1, kMin), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(totp_step(kMax, 1), static_cast<std::uint64_t>(kMax));
  EXPECT_EQ(totp_step(kMin, 1, kMin), 0U);
  EXPECT_EQ(totp_step(kMax, kMax), 1U);
}

TEST(Otp, TotpIsHotpOfTheTimeStepAndPassesErrorsOn) {
  EXPECT_EQ(totp(kSecret, 59), hotp(OtpHash::kSha1, kSecret, 1, 6));
  EXPECT_EQ(totp(kSecret, 60), hotp(OtpHash::kSha1, kSecret, 2, 6));
  EXPECT_NE(totp(kSecret, 59), totp(kSecret, 60));
  EXPECT_EQ(totp(kSecret, -1).error(), OtpError::kBeforeT0);
  EXPECT_EQ(totp(kSecret, 59, {.period = 0}).error(), OtpError::kBadPeriod);
  EXPECT_EQ(totp("short", 59).error(), OtpError::kSecretTooShort);
  EXPECT_EQ(totp(kSecret, 59, {.digits = 9}).error(), OtpError::kBadDigits);
}

TEST(Otp, HashesAndSecretsGiveDifferentCodes) {
  std::string other = kSecret;
  other[0] = static_cast<char>(other[0] ^ 1);
  EXPECT_NE(hotp(OtpHash::kSha1, kSecret, 7, 8), hotp(OtpHash::kSha1, other, 7, 8));
  EXPECT_NE(hotp(OtpHash::kSha1, kSecret, 7, 8), hotp(OtpHash::kSha256, kSecret, 7, 8));
  EXPECT_NE(hotp(OtpHash::kSha256, kSecret, 7, 8), hotp(OtpHash::kSha512, kSecret, 7, 8));
}

TEST(Otp, DescribesEveryError) {
  for (auto e : {OtpError::kSecretTooShort, OtpError::kSecretTooLong, OtpError::kBadDigits,
                 OtpError::kBadPeriod, OtpError::kBeforeT0}) {
    EXPECT_NE(describe(e), "unknown OTP error");
  }
}

}  // namespace
}  // namespace tessera::crypto
