#include "auth/email.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/text.h"

namespace tessera::auth {
namespace {

std::string norm(std::string_view e) {
  auto r = normalize_email(e);
  return r ? *r : "ERROR: " + std::string(describe(r.error()));
}

EmailError err(std::string_view e) {
  auto r = normalize_email(e);
  EXPECT_FALSE(r.has_value()) << "accepted: " << e;
  return r ? EmailError::kEmpty : r.error();
}

TEST(EmailTest, LowerCasesAscii) {
  EXPECT_EQ(norm("Alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(norm("bob+tag@example.org"), "bob+tag@example.org");
  EXPECT_EQ(norm("user@localhost"), "user@localhost");
}

TEST(EmailTest, NfcMakesCanonicallyEquivalentSpellingsEqual) {
  const std::string precomposed = "jos\xC3\xA9@example.com";  // é (U+00E9)
  const std::string decomposed = "jose\xCC\x81@example.com";  // e + U+0301
  EXPECT_EQ(norm(precomposed), precomposed);
  EXPECT_EQ(norm(decomposed), precomposed);
  // NFC composes E + U+0301 into E-acute (U+00C9), which ASCII lower-casing leaves alone.
  EXPECT_EQ(norm("JOSE\xCC\x81@EXAMPLE.COM"), "jos\xC3\x89@example.com");
}

TEST(EmailTest, OnlyAsciiIsLowerCased) {
  // SPEC.md: NFC, then ASCII lower-casing. É (U+00C9) keeps its case.
  EXPECT_EQ(norm("\xC3\x89MILE@Example.fr"), "\xC3\x89mile@example.fr");
  EXPECT_EQ(norm("\xC3\xA9mile@example.fr"), "\xC3\xA9mile@example.fr");
}

TEST(EmailTest, IsIdempotent) {
  for (std::string_view e : {"Alice@Example.COM", "jose\xCC\x81@EXAMPLE.com", "x@y"}) {
    const std::string once = norm(e);
    EXPECT_EQ(norm(once), once);
  }
}

TEST(EmailTest, RefusesBadShapes) {
  EXPECT_EQ(err(""), EmailError::kEmpty);
  EXPECT_EQ(err("alice"), EmailError::kBadShape);
  EXPECT_EQ(err("alice@@example.com"), EmailError::kBadShape);
  EXPECT_EQ(err("a@b@example.com"), EmailError::kBadShape);
  EXPECT_EQ(err("@example.com"), EmailError::kBadShape);
  EXPECT_EQ(err("alice@"), EmailError::kBadShape);
  EXPECT_EQ(err("alice@.example.com"), EmailError::kBadShape);
  EXPECT_EQ(err("alice@example.com."), EmailError::kBadShape);
  EXPECT_EQ(err("alice@example..com"), EmailError::kBadShape);
}

TEST(EmailTest, RefusesControlsWhitespaceAndInvisibleCharacters) {
  // Each is spliced into "ali?ce@example.com" in place of '?'.
  const std::string_view bad[] = {
      " ",
      "\t",
      "\n",
      std::string_view("\0", 1),
      "\x7F",
      "\xC2\x85",          // U+0085 NEL (C1 control)
      "\xC2\xA0",          // U+00A0 no-break space
      "\xE2\x80\x8B",      // U+200B zero-width space
      "\xE2\x80\xAE",      // U+202E right-to-left override
      "\xE2\x80\xA8",      // U+2028 line separator
      "\xEE\x80\x80",      // U+E000 private use
      "\xF4\x8F\xBF\xBF",  // U+10FFFF noncharacter (unassigned)
  };
  for (std::string_view c : bad) {
    const std::string e = "ali" + std::string(c) + "ce@example.com";
    EXPECT_EQ(err(e), EmailError::kForbiddenChar) << e;
  }
  EXPECT_EQ(err(" alice@example.com"), EmailError::kForbiddenChar);
  EXPECT_EQ(err("alice@example.com\n"), EmailError::kForbiddenChar);
}

TEST(EmailTest, RefusesInvalidUtf8) {
  EXPECT_EQ(err("a\xC0\xAF@example.com"), EmailError::kInvalidUtf8);      // overlong '/'
  EXPECT_EQ(err("a\xED\xA0\x80@example.com"), EmailError::kInvalidUtf8);  // surrogate
  EXPECT_EQ(err("a\xFF@example.com"), EmailError::kInvalidUtf8);
  EXPECT_EQ(err("a\x80@example.com"), EmailError::kInvalidUtf8);              // lone continuation
  EXPECT_EQ(err("a@example.com\xE2\x82"), EmailError::kInvalidUtf8);          // truncated
  EXPECT_EQ(err("a\xF4\x90\x80\x80@example.com"), EmailError::kInvalidUtf8);  // > U+10FFFF
}

TEST(EmailTest, LengthLimits) {
  const std::string local64(64, 'a');
  EXPECT_EQ(norm(local64 + "@example.com"), local64 + "@example.com");
  EXPECT_EQ(err(local64 + "a@example.com"), EmailError::kTooLong);

  // 254 bytes total is the most allowed.
  const std::string domain = std::string(60, 'd') + "." + std::string(60, 'd') + "." +
                             std::string(60, 'd') + "." + std::string(8, 'd');  // 191
  const std::string at254 = std::string(62, 'a') + "@" + domain;
  ASSERT_EQ(at254.size(), 254u);
  EXPECT_EQ(norm(at254), at254);
  EXPECT_EQ(err("a" + at254), EmailError::kTooLong);
  EXPECT_EQ(err(std::string(5000, 'a') + "@example.com"), EmailError::kTooLong);
}

TEST(TextTest, Utf8Helpers) {
  EXPECT_TRUE(valid_utf8("h\xC3\xA9llo \xF0\x9F\x94\x91"));
  EXPECT_FALSE(valid_utf8("\xC3"));
  EXPECT_EQ(count_code_points("h\xC3\xA9llo"), 5u);
  EXPECT_EQ(count_code_points("\xF0\x9F\x94\x91\xF0\x9F\x94\x91"), 2u);
  // Truncation never splits a sequence; controls and bad bytes become '?'.
  EXPECT_EQ(sanitize_truncate("ab\xC3\xA9", 3), "ab");
  EXPECT_EQ(sanitize_truncate("ab\xC3\xA9", 4), "ab\xC3\xA9");
  EXPECT_EQ(sanitize_truncate("a\r\nb\xFF", 10), "a??b?");
}

}  // namespace
}  // namespace tessera::auth
