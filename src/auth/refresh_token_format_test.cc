#include "auth/refresh_token_format.h"

#include <gtest/gtest.h>

#include <string>

#include "base/base64url.h"

namespace tessera::auth {
namespace {

store::FamilyId family(std::uint8_t n) {
  store::FamilyId id{};
  id.fill(n);
  return id;
}

const std::string kKey(kRefreshKeyBytes, 'k');

TEST(RefreshTokenFormat, RoundTripsTheFamilyAndGeneration) {
  const RefreshTokenFormat format(kKey);
  for (std::int64_t g : {std::int64_t{1}, std::int64_t{2}, std::int64_t{255}, std::int64_t{256},
                         std::int64_t{1} << 40, INT64_MAX}) {
    const std::string token = format.make(family(7), g);
    EXPECT_EQ(token.size(), kRefreshTokenChars);
    auto claims = format.parse(token);
    ASSERT_TRUE(claims) << g;
    EXPECT_EQ(claims->family, family(7));
    EXPECT_EQ(claims->generation, g);
  }
  // Deterministic (the grace rule's "same successor"), and different per family and generation.
  EXPECT_EQ(format.make(family(1), 5), format.make(family(1), 5));
  EXPECT_NE(format.make(family(1), 5), format.make(family(1), 6));
  EXPECT_NE(format.make(family(1), 5), format.make(family(2), 5));
}

TEST(RefreshTokenFormat, AnotherKeysTokensAndAlteredTokensAreRefused) {
  const RefreshTokenFormat format(kKey);
  const RefreshTokenFormat other(std::string(kRefreshKeyBytes, 'o'));
  EXPECT_FALSE(format.parse(other.make(family(1), 1)));
  const std::string token = format.make(family(1), 3);
  // Every single-character change: the id, the generation, the tag.
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(format.parse(altered)) << i;
  }
  // The generation moved by one with the old tag.
  auto raw = *base::base64url_decode(token);
  raw[23] = static_cast<char>(raw[23] + 1);
  EXPECT_FALSE(format.parse(base::base64url_encode(raw)));
}

TEST(RefreshTokenFormat, MalformedInputIsRefused) {
  const RefreshTokenFormat format(kKey);
  const std::string token = format.make(family(1), 1);
  for (const std::string& bad :
       {std::string(), token.substr(1), token + "A", std::string(kRefreshTokenChars, '='),
        std::string(kRefreshTokenChars, '.'),
        token.substr(0, kRefreshTokenChars - 1) + "B" /* non-canonical final character */}) {
    EXPECT_FALSE(format.parse(bad)) << bad;
  }
  // Generation 0 and generations past INT64_MAX never parse, whatever the tag.
  std::string raw = *base::base64url_decode(token);
  for (std::size_t i = 16; i < 24; ++i) raw[i] = 0;
  EXPECT_FALSE(format.parse(base::base64url_encode(raw)));
  for (std::size_t i = 16; i < 24; ++i) raw[i] = '\xff';
  EXPECT_FALSE(format.parse(base::base64url_encode(raw)));
}

}  // namespace
}  // namespace tessera::auth
