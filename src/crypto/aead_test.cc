#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <set>

namespace tessera::crypto {
namespace {

AeadKey key_of(unsigned char b) {
  AeadKey k{};
  k.fill(b);
  return k;
}

TEST(Aead, RoundTripsAndUsesAFreshNonceEachTime) {
  const AeadKey k = key_of(7);
  std::set<std::string> seen;
  for (const std::string& msg : {std::string(), std::string("x"), std::string(5000, '\0')}) {
    const std::string sealed = seal(k, msg, "kid-1");
    EXPECT_EQ(sealed.size(), msg.size() + 24 + 16);
    EXPECT_TRUE(seen.insert(sealed).second);
    auto opened = open(k, sealed, "kid-1");
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(*opened, msg);
  }
  EXPECT_NE(seal(k, "same", "ad"), seal(k, "same", "ad"));
}

TEST(Aead, RefusesAnotherKeyAnotherContextOrAnyAlteredByte) {
  const AeadKey k = key_of(7);
  const std::string sealed = seal(k, "private key material", "kid-1");
  EXPECT_FALSE(open(key_of(8), sealed, "kid-1").has_value());
  EXPECT_FALSE(open(k, sealed, "kid-2").has_value());  // moved to another record
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(open(k, bad, "kid-1").has_value()) << i;
  }
  EXPECT_FALSE(open(k, sealed.substr(0, 39), "kid-1").has_value());
  EXPECT_FALSE(open(k, "", "kid-1").has_value());
  EXPECT_FALSE(open(k, sealed.substr(0, sealed.size() - 1), "kid-1").has_value());
}

TEST(Aead, DerivedKeysDependOnInputAndLabel) {
  const std::string a(32, 'a');
  const std::string b(32, 'b');
  EXPECT_EQ(derive_key(a, "seal"), derive_key(a, "seal"));
  EXPECT_NE(derive_key(a, "seal"), derive_key(b, "seal"));
  EXPECT_NE(derive_key(a, "seal"), derive_key(a, "other"));
  EXPECT_NE(derive_key("", "seal"), derive_key(std::string(1, '\0'), "seal"));
}

}  // namespace
}  // namespace tessera::crypto
