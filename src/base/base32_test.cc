#include "base/base32.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "crypto/hash.h"

namespace tessera::base {
namespace {

struct Vector {
  std::string_view bytes;
  std::string_view padded;
  std::string_view unpadded;
};

// RFC 4648 section 10.
constexpr Vector kRfc4648Section10[] = {
    {"", "", ""},
    {"f", "MY======", "MY"},
    {"fo", "MZXQ====", "MZXQ"},
    {"foo", "MZXW6===", "MZXW6"},
    {"foob", "MZXW6YQ=", "MZXW6YQ"},
    {"fooba", "MZXW6YTB", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======", "MZXW6YTBOI"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

TEST(Base32, EncodesRfc4648VectorsInUpperCaseWithoutPadding) {
  for (const auto& v : kRfc4648Section10) {
    EXPECT_EQ(base32_encode(v.bytes), std::string(v.unpadded)) << v.bytes;
  }
}

TEST(Base32, DecodesRfc4648VectorsPaddedUnpaddedAndInEitherCase) {
  for (const auto& v : kRfc4648Section10) {
    EXPECT_EQ(base32_decode(v.padded), std::string(v.bytes)) << v.padded;
    EXPECT_EQ(base32_decode(v.unpadded), std::string(v.bytes)) << v.unpadded;
    EXPECT_EQ(base32_decode(lower(v.padded)), std::string(v.bytes)) << v.padded;
    EXPECT_EQ(base32_decode(lower(v.unpadded)), std::string(v.bytes)) << v.unpadded;
  }
  EXPECT_EQ(base32_decode("mZxW6yTbOi"), "foobar");
}

TEST(Base32, RoundTripsRandomBytesOfEveryLengthUpTo100) {
  for (std::size_t n = 0; n <= 100; ++n) {
    const std::string bytes = crypto::random_bytes(n);
    const auto text = base32_encode(bytes);
    ASSERT_TRUE(text.has_value()) << n;
    EXPECT_EQ(text->size(), (n * 8 + 4) / 5) << n;
    EXPECT_EQ(text->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
    EXPECT_EQ(base32_decode(*text), bytes) << n;
    EXPECT_EQ(base32_decode(lower(*text)), bytes) << n;
  }
}

TEST(Base32, RefusesAnythingButTheCanonicalSpelling) {
  for (std::string_view bad : {
           "MZXW6 YTB",         // space (liboath alone would drop it)
           " MZXW6YTB",         // leading space
           "MZXW6YTB\n",        // line break
           "MZXW6YTB\t",        // tab
           "MZXW-6YTB",         // separator
           "M",                 // 1 character left over: no whole byte
           "MZX",               // 3 left over
           "MZXW6Y",            // 6 left over
           "MZ",                // non-zero trailing bits ("f" is "MY")
           "MZXR",              // non-zero trailing bits ("fo" is "MZXQ")
           "MY=",               // partial padding
           "MY=====",           // 5 of the 6 '='
           "MY=======",         // one '=' too many
           "MZXW6YTB========",  // a block of padding alone
           "MZXW6YTBOI====",    // partial padding after a full block
           "MY======MY======",  // padding in the middle
           "=MY",               // padding first
           "========",          // padding only
           "MZXW1YTB",          // '1' is not in the alphabet
           "MZXW8YTB",          // nor '8'
           "MZXW0YTB",          // nor '0'
           "MZXW6YT+",          // nor base64 characters
           "MZXW6YT\xC3\x89",   // nor non-ASCII bytes
       }) {
    EXPECT_FALSE(base32_decode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(base32_decode(std::string_view("MZXW6\0TB", 8)).has_value());
}

TEST(Base32, RefusesInputOverTheBound) {
  const std::string bytes(kBase32MaxChars / 8 * 5, 'x');
  const auto text = base32_encode(bytes);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->size(), kBase32MaxChars);
  EXPECT_EQ(base32_decode(*text), bytes);
  EXPECT_FALSE(base32_encode(bytes + "x").has_value());
  EXPECT_FALSE(base32_decode(*text + "AAAAAAAA").has_value());
}

}  // namespace
}  // namespace tessera::base
