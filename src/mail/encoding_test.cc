#include "mail/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "mail/mime_test_util.h"

namespace tessera::mail {
namespace {

using testing_util::b_word_decode;
using testing_util::base64_decode;
using testing_util::lines_of;
using testing_util::qp_decode;

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, WrapsAt76WithCrlfBetweenLines) {
  const std::string bytes(200, '\x9c');
  const std::string out = base64_encode(bytes, kMaxEncodedLine);
  const std::vector<std::string> lines = lines_of(out);
  ASSERT_EQ(lines.size(), 4u);  // 268 characters: 76 + 76 + 76 + 40
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 76u);
  EXPECT_EQ(lines.back().size(), 40u);
  EXPECT_FALSE(out.ends_with("\r\n"));
  EXPECT_EQ(base64_decode(out), bytes);
}

TEST(LineEndings, EveryKindBecomesCrlf) {
  EXPECT_EQ(to_crlf("a\nb\r\nc\rd\r\r\ne\n"), "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n");
  EXPECT_EQ(to_crlf("no break"), "no break");
}

TEST(QuotedPrintable, EscapesWhatItMust) {
  EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
  EXPECT_EQ(quoted_printable("caf\xc3\xa9"), "caf=C3=A9");
  EXPECT_EQ(quoted_printable("tab\there"), "tab\there");
  EXPECT_EQ(quoted_printable("trailing space \nnext"), "trailing space=20\r\nnext");
  EXPECT_EQ(quoted_printable("trailing tab\t"), "trailing tab=09");
  EXPECT_EQ(quoted_printable(".\n..x"), "=2E\r\n=2E.x");  // a '.' that starts a line
  EXPECT_EQ(quoted_printable("x\x01y\x7f"), "x=01y=7F");
  EXPECT_EQ(quoted_printable("ends with break\n"), "ends with break\r\n");
}

TEST(QuotedPrintable, SoftBreaksKeepLinesAt76AndDecodeBack) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "word=\xc3\xa9 ";  // '=' and UTF-8 make 3-char escapes
  text += "\n" + std::string(300, 'x') + "\n.leading dot after a break\n" + std::string(75, 'y');
  const std::string out = quoted_printable(text);
  for (const std::string& line : lines_of(out)) {
    EXPECT_LE(line.size(), kMaxEncodedLine) << line;
    // No escape is cut by a soft break: every '=' starts "=XX" or is the soft break itself.
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '=') {
        EXPECT_TRUE(i + 1 == line.size() || i + 2 < line.size()) << line;
      }
    }
    EXPECT_FALSE(line.starts_with(".")) << line;
  }
  EXPECT_EQ(qp_decode(out), to_crlf(text));
}

TEST(Decode, Base64ReadsBackWhatTheEncoderWrote) {
  for (std::string_view bytes :
       {std::string_view(""), std::string_view("f"), std::string_view("fo"),
        std::string_view("foobar"), std::string_view("\xff\xfe\x00", 3)}) {
    EXPECT_EQ(decode_base64(base64_encode(bytes)), std::string(bytes));
  }
  const std::string long_bytes(200, '\x9c');
  EXPECT_EQ(decode_base64(base64_encode(long_bytes, kMaxEncodedLine)), long_bytes);
  for (std::string_view bad :
       {"Zg=", "Zg===", "Z===", "Zm9v\nYg==", "Zm9v\r", "Zm-v", "Zm_v", "Zh==", "Zm 9v", "Z=g="}) {
    EXPECT_FALSE(decode_base64(bad).has_value()) << bad;
  }
}

TEST(Decode, QuotedPrintableReadsBackWhatTheEncoderWrote) {
  std::string text = "https://id.example/reset-password?token=" + std::string(43, 'T') + "\n";
  for (int i = 0; i < 40; ++i) text += "word=\xc3\xa9 ";
  text += "\n.dot\ntrailing space \n";
  const std::string out = quoted_printable(text);
  ASSERT_NE(out.find("=\r\n"), std::string::npos);  // the link was soft-broken
  EXPECT_EQ(decode_quoted_printable(out), to_crlf(text));
  for (std::string_view bad : {"a=", "a=3", "a=3d", "a=XY", "a= \r\n", "a=\n"}) {
    EXPECT_FALSE(decode_quoted_printable(bad).has_value()) << bad;
  }
}

TEST(EncodedWords, ShortTextIsOneWord) {
  const std::vector<std::string> words = b_encoded_words("Grüße", 69);
  ASSERT_EQ(words.size(), 1u);
  EXPECT_EQ(words[0], "=?utf-8?B?R3LDvMOfZQ==?=");
}

TEST(EncodedWords, SplitOnCharacterBoundariesWithinTheLimits) {
  // 2-, 3- and 4-byte characters, so a split inside a character would be easy to make.
  std::string text;
  for (int i = 0; i < 30; ++i) text += "\xc3\xa9\xe7\xa2\xba\xf0\x9f\x94\x91";
  const std::vector<std::string> words = b_encoded_words(text, 30);
  ASSERT_GT(words.size(), 3u);
  EXPECT_LE(words[0].size(), 30u);
  std::string joined;
  for (const std::string& w : words) {
    EXPECT_LE(w.size(), kMaxEncodedWord);
    ASSERT_TRUE(w.starts_with("=?utf-8?B?") && w.ends_with("?=")) << w;
    const std::string decoded = b_word_decode(w);
    // Whole characters only (RFC 2047 section 5): each word's bytes stand alone as UTF-8.
    EXPECT_FALSE(decoded.empty());
    EXPECT_TRUE(testing_util::whole_utf8(decoded)) << w;
    joined += decoded;
  }
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace tessera::mail
