#include "base/base64url.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::base {
namespace {

TEST(Base64Url, Rfc4648Vectors) {
  // RFC 4648 section 10, in the URL alphabet without padding.
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(base64url_decode(""), "");
}

TEST(Base64Url, UsesUrlAlphabet) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), bytes);
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << i;
    bytes.push_back(static_cast<char>(i * 37 + 11));
  }
}

TEST(Base64Url, RejectsNonCanonicalInput) {
  EXPECT_FALSE(base64url_decode("Zg=="));   // padding
  EXPECT_FALSE(base64url_decode("Zm8="));   // padding
  EXPECT_FALSE(base64url_decode("+/+/"));   // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm 9v"));  // whitespace
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("Z"));  // lone 6-bit group
  EXPECT_FALSE(base64url_decode("Zm9vY"));
  EXPECT_FALSE(base64url_decode("Zh"));   // "f" is Zg; Zh has non-zero trailing bits
  EXPECT_FALSE(base64url_decode("Zm9"));  // "fo" is Zm8
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
  EXPECT_FALSE(base64url_decode("Zm9v\xc3\xa9"));
}

TEST(Base64Url, EveryDecodableStringReencodesToItself) {
  // Exhaustive over two- and three-character strings: canonical means one spelling per value.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int accepted = 0;
  for (char a : alphabet) {
    for (char b : alphabet) {
      std::string s{a, b};
      if (auto d = base64url_decode(s)) {
        EXPECT_EQ(base64url_encode(*d), s);
        ++accepted;
      }
      for (char c : alphabet) {
        std::string t{a, b, c};
        if (auto d = base64url_decode(t)) {
          EXPECT_EQ(base64url_encode(*d), t);
        }
      }
    }
  }
  EXPECT_EQ(accepted, 256);  // exactly one two-character spelling per byte value
}

}  // namespace
}  // namespace tessera::base
