#include "base/base64url.h"

#include <gtest/gtest.h>

#include <random>
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

// The dispatched decoder (AVX2 on CPUs that have it) and the portable loop agree on
// accept/reject and bytes, write at most base64url_decoded_size, and accept only canonical
// text. (fuzz_base64url also holds the dispatched decoder to a bit-by-bit reference.)
void expect_decoders_agree(std::string_view text) {
  const std::size_t cap = base64url_decoded_size(text.size());
  std::string simd(cap + 8, '\x5a'), scalar(cap + 8, '\x5a');
  const auto n = base64url_decode_into(text, simd.data());
  const auto m = detail::base64url_decode_into_scalar(text, scalar.data());
  ASSERT_EQ(n.has_value(), m.has_value()) << text;
  EXPECT_EQ(simd.substr(cap), std::string(8, '\x5a')) << "wrote past the documented size";
  EXPECT_EQ(scalar.substr(cap), std::string(8, '\x5a')) << "wrote past the documented size";
  if (n) {
    ASSERT_EQ(*n, *m);
    EXPECT_EQ(simd.substr(0, *n), scalar.substr(0, *m)) << text;
    EXPECT_EQ(base64url_encode(simd.substr(0, *n)), text);
  }
}

TEST(Base64Url, EveryByteValueAtEveryPositionOfALongInput) {
  // 75 characters: two 32-character SIMD blocks, two whole groups and a 3-character tail.
  std::string bytes;
  for (int i = 0; i < 56; ++i) bytes.push_back(static_cast<char>(i * 73 + 5));
  const std::string good = base64url_encode(bytes);
  ASSERT_EQ(good.size(), 75u);
  expect_decoders_agree(good);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      std::string t = good;
      t[pos] = static_cast<char>(c);
      expect_decoders_agree(t);
      // Accepted iff the character is in the alphabet, and, in the last place (2 bits of the
      // final byte + 2 trailing bits), only if its trailing bits are zero.
      const std::size_t v = alphabet.find(static_cast<char>(c));
      const bool want = v != std::string::npos && (pos + 1 < good.size() || (v & 3) == 0);
      EXPECT_EQ(base64url_decode(t).has_value(), want) << pos << " " << c;
    }
  }
}

TEST(Base64Url, DecodersAgreeOnRandomInputs) {
  std::mt19937 rng(20261123);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int round = 0; round < 20000; ++round) {
    const std::size_t len = rng() % 200;
    std::string t;
    for (std::size_t i = 0; i < len; ++i) {
      // Mostly alphabet characters, sometimes any byte: both outcomes get exercised.
      t.push_back(rng() % 64 == 0 ? static_cast<char>(rng() & 0xff) : alphabet[rng() % 64]);
    }
    expect_decoders_agree(t);
  }
}

}  // namespace
}  // namespace tessera::base
