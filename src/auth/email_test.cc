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

// Issue 14, defect 9: one mailbox, one account. The Unicode spelling of a domain, its
// upper-case spelling and its A-label (punycode) all normalize to the A-label.
TEST(EmailTest, InternationalizedDomainHasOneForm) {
  const std::string a_label = "user@xn--bcher-kva.example";
  EXPECT_EQ(norm("user@b\xC3\xBC"
                 "cher.example"),
            a_label);  // bücher
  EXPECT_EQ(norm("user@B\xC3\x9C"
                 "CHER.example"),
            a_label);  // BÜCHER
  EXPECT_EQ(norm("user@bu\xCC\x88"
                 "cher.example"),
            a_label);  // u + U+0308 (NFD)
  EXPECT_EQ(norm("user@xn--bcher-kva.example"), a_label);
  EXPECT_EQ(norm("user@XN--BCHER-KVA.EXAMPLE"), a_label);
  EXPECT_EQ(norm(a_label), a_label);  // idempotent
  // Ideographic and full-width full stops separate labels (UTS #46 maps them to '.').
  EXPECT_EQ(norm("user@b\xC3\xBC"
                 "cher\xE3\x80\x82"
                 "example"),
            a_label);
  EXPECT_EQ(norm("user@b\xC3\xBC"
                 "cher\xEF\xBC\x8E"
                 "example"),
            a_label);
  // Nontransitional processing (IDNA 2008): sharp s is kept, not mapped to "ss".
  EXPECT_EQ(norm("a@fa\xC3\x9F.de"), "a@xn--fa-hia.de");
  EXPECT_NE(norm("a@fa\xC3\x9F.de"), norm("a@fass.de"));
  // The local part is untouched by IDNA: only NFC and ASCII lower-casing.
  EXPECT_EQ(norm("J\xC3\xB6rg@B\xC3\x9C"
                 "CHER.example"),
            "j\xC3\xB6rg@xn--bcher-kva.example");
}

TEST(EmailTest, RefusesDomainsThatDoNotConvert) {
  for (std::string_view e : {
           "a@xn--a.example",           // not valid punycode
           "a@xn--bcher-kva-.example",  // not an A-label (decodes to ASCII)
           "a@-example.com",            // leading hyphen
           "a@ab--cd.example",          // hyphens in positions 3 and 4 without xn--
           "a@under_score.example",     // not LDH (STD3)
           "a@[192.0.2.1]",             // address literal
           "a@exa mple.com",            // space (refused earlier: kForbiddenChar)
           "a@a\xD7\x90.example",  // bidi: a left-to-right label with a Hebrew letter (CheckBidi)
           "a@a\xE2\x80\x8D"
           "b.example",  // ZWJ: a format character, refused before IDNA (kForbiddenChar)
       }) {
    auto r = normalize_email(e);
    EXPECT_FALSE(r) << e << " -> " << (r ? *r : "");
  }
  EXPECT_EQ(err("a@xn--a.example"), EmailError::kBadDomain);
  EXPECT_EQ(err("a@under_score.example"), EmailError::kBadDomain);
  EXPECT_EQ(err("a@" + std::string(64, 'x') + ".example"), EmailError::kBadDomain);  // label > 63
  EXPECT_EQ(err("a@example\xE3\x80\x82"), EmailError::kBadShape);  // ends in an empty label
  EXPECT_EQ(describe(EmailError::kBadDomain), "email domain is not a valid domain name");
}

TEST(EmailTest, LengthIsMeasuredOnTheStoredForm) {
  // A 10-character CJK label is 30 bytes of UTF-8 and a 36-byte A-label.
  const std::string label =
      "\xE4\xB8\xAD\xE6\x96\x87\xE5\x9F\x9F\xE5\x90\x8D\xE6\xB5\x8B\xE8\xAF\x95\xE4\xBE\x8B"
      "\xE5\xAD\x90\xE7\xBD\x91\xE7\xAB\x99";  // 中文域名测试例子网站
  std::string six = label, seven;
  for (int i = 0; i < 5; ++i) six += "." + label;
  seven = six + "." + label;
  ASSERT_LE(("a@" + seven).size(), kMaxEmailBytes);  // short enough as typed...
  auto fits = normalize_email("a@" + six);
  ASSERT_TRUE(fits) << describe(fits.error());
  EXPECT_EQ(fits->size(), 2 + 6 * 36 + 5u);
  EXPECT_FALSE(normalize_email("a@" + seven));  // ...but 260 bytes as stored
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
