#include "base/base64url.h"

#include <gtest/gtest.h>

#include <optional>
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

// RFC 4648 section 5 without padding, bit by bit (the slow, obvious decoder).
std::optional<std::string> reference_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '-') v = 62;
    if (c == '_') v = 63;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return std::nullopt;
  return out;
}

// Both decoders (the dispatched one, AVX2 on CPUs that have it, and the portable loop) agree
// with the reference on accept/reject and bytes, and write at most base64url_decoded_size.
void expect_decoders_agree(std::string_view text) {
  const std::optional<std::string> want = reference_decode(text);
  const std::size_t cap = base64url_decoded_size(text.size());
  for (const bool simd : {true, false}) {
    std::string buf(cap + 8, '\x5a');
    const auto n = simd ? base64url_decode_into(text, buf.data())
                        : detail::base64url_decode_into_scalar(text, buf.data());
    ASSERT_EQ(n.has_value(), want.has_value()) << (simd ? "simd " : "scalar ") << text;
    EXPECT_EQ(buf.substr(cap), std::string(8, '\x5a')) << "wrote past the documented size";
    if (n) {
      EXPECT_EQ(buf.substr(0, *n), *want) << text;
    }
  }
}

TEST(Base64Url, EveryByteValueAtEveryPositionOfALongInput) {
  // 75 characters: two 32-character SIMD blocks, two whole groups and a 3-character tail.
  std::string bytes;
  for (int i = 0; i < 56; ++i) bytes.push_back(static_cast<char>(i * 73 + 5));
  const std::string good = base64url_encode(bytes);
  ASSERT_EQ(good.size(), 75u);
  expect_decoders_agree(good);
  for (std::size_t pos = 0; pos < good.size(); ++pos) {
    for (int c = 0; c < 256; ++c) {
      std::string t = good;
      t[pos] = static_cast<char>(c);
      expect_decoders_agree(t);
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
