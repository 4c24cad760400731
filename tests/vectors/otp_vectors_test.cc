// RFC test vectors for one-time passwords (crypto/otp.h), through its public functions:
//
//   RFC 4226 appendix D   HOTP-SHA-1 of the secret "12345678901234567890", counters 0-9: the
//                         6-digit codes, and the 31-bit truncated values (seen through 8 digits)
//   RFC 6238 appendix B   every row: TOTP of 8 digits at six times, each with SHA-1, SHA-256 and
//                         SHA-512 and the seed of that hash's size, and the time step T of each
//
// Then an independent implementation, liboath (OATH Toolkit), computes the same codes for
// random secrets, counters and times: agreement there does not depend on the data typed here.

#include <gtest/gtest.h>
#include <oath.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/otp.h"

namespace {

using tessera::crypto::hotp;
using tessera::crypto::OtpHash;
using tessera::crypto::totp;
using tessera::crypto::totp_step;

constexpr std::string_view kRfc4226Secret = "12345678901234567890";

struct HotpRow {
  std::uint64_t count;
  std::uint32_t truncated;  // "Decimal" column: the 31-bit dynamic truncation
  std::string_view hotp;    // "HOTP" column: 6 digits
};

// RFC 4226 appendix D, "Truncated" table.
constexpr HotpRow kRfc4226[] = {
    {0, 1284755224, "755224"}, {1, 1094287082, "287082"}, {2, 137359152, "359152"},
    {3, 1726969429, "969429"}, {4, 1640338314, "338314"}, {5, 868254676, "254676"},
    {6, 1918287922, "287922"}, {7, 82162583, "162583"},   {8, 673399871, "399871"},
    {9, 645520489, "520489"},
};

std::string eight_digits(std::uint32_t v) {
  std::string s = std::to_string(v % 100000000U);
  return std::string(8 - s.size(), '0') + s;
}

TEST(Rfc4226AppendixD, SixDigitHotpOfCountersZeroToNine) {
  for (const auto& row : kRfc4226) {
    EXPECT_EQ(hotp(OtpHash::kSha1, kRfc4226Secret, row.count, 6), std::string(row.hotp))
        << row.count;
  }
}

TEST(Rfc4226AppendixD, TruncatedValuesSeenThroughEightDigits) {
  for (const auto& row : kRfc4226) {
    EXPECT_EQ(hotp(OtpHash::kSha1, kRfc4226Secret, row.count, 8), eight_digits(row.truncated))
        << row.count;
  }
}

// RFC 6238 appendix B: the seed for each mode is "1234567890" repeated to the hash's size.
constexpr std::string_view kSeedSha1 = "12345678901234567890";
constexpr std::string_view kSeedSha256 = "12345678901234567890123456789012";
constexpr std::string_view kSeedSha512 =
    "1234567890123456789012345678901234567890123456789012345678901234";

struct TotpRow {
  std::int64_t time;
  std::uint64_t step;  // "Value of T (hex)"
  std::string_view sha1;
  std::string_view sha256;
  std::string_view sha512;
};

constexpr TotpRow kRfc6238[] = {
    {59, 0x1, "94287082", "46119246", "90693936"},
    {1111111109, 0x23523EC, "07081804", "68084774", "25091201"},
    {1111111111, 0x23523ED, "14050471", "67062674", "99943326"},
    {1234567890, 0x273EF07, "89005924", "91819424", "93441116"},
    {2000000000, 0x3F940AA, "69279037", "90698825", "38618901"},
    {20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"},
};

TEST(Rfc6238AppendixB, TimeStepOfEveryRow) {
  for (const auto& row : kRfc6238) {
    EXPECT_EQ(totp_step(row.time, 30, 0), row.step) << row.time;
  }
}

TEST(Rfc6238AppendixB, EveryRowWithSha1Sha256AndSha512) {
  for (const auto& row : kRfc6238) {
    EXPECT_EQ(totp(kSeedSha1, row.time, {.hash = OtpHash::kSha1, .digits = 8}),
              std::string(row.sha1))
        << row.time;
    EXPECT_EQ(totp(kSeedSha256, row.time, {.hash = OtpHash::kSha256, .digits = 8}),
              std::string(row.sha256))
        << row.time;
    EXPECT_EQ(totp(kSeedSha512, row.time, {.hash = OtpHash::kSha512, .digits = 8}),
              std::string(row.sha512))
        << row.time;
  }
}

// liboath as the oracle.
class OtpAgainstLiboath : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(oath_init(), OATH_OK); }
  static void TearDownTestSuite() { oath_done(); }
};

TEST_F(OtpAgainstLiboath, HotpSha1OfRandomSecretsAndCounters) {
  for (int i = 0; i < 200; ++i) {
    const std::string secret = tessera::crypto::random_bytes(16 + static_cast<std::size_t>(i % 49));
    std::uint64_t counter = 0;
    const std::string c = tessera::crypto::random_bytes(8);
    for (char b : c) counter = counter << 8 | static_cast<unsigned char>(b);
    const unsigned digits = 6 + static_cast<unsigned>(i % 3);
    char expected[16] = {};
    ASSERT_EQ(oath_hotp_generate(secret.data(), secret.size(), counter, digits, false,
                                 OATH_HOTP_DYNAMIC_TRUNCATION, expected),
              OATH_OK);
    EXPECT_EQ(hotp(OtpHash::kSha1, secret, counter, static_cast<int>(digits)),
              std::string(expected))
        << i;
  }
}

TEST_F(OtpAgainstLiboath, TotpOfEveryHashAtRandomTimes) {
  struct Mode {
    OtpHash hash;
    int flags;
  };
  const Mode modes[] = {{OtpHash::kSha1, 0},
                        {OtpHash::kSha256, OATH_TOTP_HMAC_SHA256},
                        {OtpHash::kSha512, OATH_TOTP_HMAC_SHA512}};
  for (int i = 0; i < 100; ++i) {
    const std::string secret = tessera::crypto::random_bytes(20 + static_cast<std::size_t>(i % 45));
    std::uint32_t t = 0;
    for (char b : tessera::crypto::random_bytes(4)) t = t << 8 | static_cast<unsigned char>(b);
    const auto now = static_cast<std::int64_t>(t);
    for (const auto& m : modes) {
      char expected[16] = {};
      ASSERT_EQ(oath_totp_generate2(secret.data(), secret.size(), static_cast<time_t>(now), 30, 0,
                                    6, m.flags, expected),
                OATH_OK);
      EXPECT_EQ(totp(secret, now, {.hash = m.hash}), std::string(expected)) << i;
    }
  }
}

}  // namespace
