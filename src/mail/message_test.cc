#include "mail/message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "mail/encoding.h"
#include "mail/mime_test_util.h"

namespace tessera::mail {
namespace {

using testing_util::boundary_of;
using testing_util::decode_part;
using testing_util::decode_unstructured;
using testing_util::lines_of;
using testing_util::parse_message;
using testing_util::ParsedMessage;
using testing_util::split_parts;

constexpr std::int64_t kThu1Feb2024 = 1706781600;  // 2024-02-01T10:00:00Z, a Thursday
constexpr std::string_view kId = "<abc.123@example.com>";

MailContent sample() {
  return MailContent{
      .from_address = "noreply@example.com",
      .from_name = "Tessera",
      .to = "user@example.com",
      .subject = "Confirm your email",
      .text = "Hello,\nconfirm with this link: https://example.com/c?t=abc\n",
      .html = "<p>Hello,</p>\n<p><a href=\"https://example.com/c?t=abc\">Confirm</a></p>\n"};
}

std::string rendered(const MailContent& c) {
  auto out = render(c, kThu1Feb2024, kId);
  EXPECT_TRUE(out.has_value()) << (out ? "" : describe(out.error()));
  return out.value_or("");
}

TEST(Render, ExactHeaderShapes) {
  const std::string message = rendered(sample());
  const ParsedMessage m = parse_message(message);
  ASSERT_EQ(m.raw_header_lines.size(), 9u) << message;
  EXPECT_EQ(m.raw_header_lines[0], "Date: Thu, 01 Feb 2024 10:00:00 +0000");
  EXPECT_EQ(m.raw_header_lines[1], "From: Tessera <noreply@example.com>");
  EXPECT_EQ(m.raw_header_lines[2], "To: user@example.com");
  EXPECT_EQ(m.raw_header_lines[3], "Subject: Confirm your email");
  EXPECT_EQ(m.raw_header_lines[4], "Message-ID: <abc.123@example.com>");
  EXPECT_EQ(m.raw_header_lines[5], "MIME-Version: 1.0");
  EXPECT_EQ(m.raw_header_lines[6], "Auto-Submitted: auto-generated");
  EXPECT_EQ(m.raw_header_lines[7], "Content-Type: multipart/alternative;");
  EXPECT_TRUE(
      std::regex_match(m.raw_header_lines[8], std::regex(R"( boundary="=_[A-Za-z0-9_-]{24}")")))
      << m.raw_header_lines[8];
  EXPECT_EQ(m.header("List-Unsubscribe"), "<absent>");
  // CRLF everywhere: no bare LF or CR.
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      EXPECT_TRUE(i > 0 && message[i - 1] == '\r') << i;
    }
    if (message[i] == '\r') {
      EXPECT_TRUE(i + 1 < message.size() && message[i + 1] == '\n') << i;
    }
  }
  EXPECT_TRUE(message.ends_with("--\r\n"));
}

TEST(Render, TextThenHtmlPartsRoundTrip) {
  const MailContent c = sample();
  const ParsedMessage m = parse_message(rendered(c));
  const std::vector<ParsedMessage> parts =
      split_parts(m.body, boundary_of(m.header("Content-Type")));
  ASSERT_EQ(parts.size(), 2u) << m.body;
  EXPECT_EQ(parts[0].header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(parts[1].header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(parts[0].header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(decode_part(parts[0]), to_crlf(c.text));
  EXPECT_EQ(decode_part(parts[1]), to_crlf(c.html));
}

TEST(Render, MostlyNonAsciiBodyGoesBase64AndRoundTrips) {
  MailContent c = sample();
  c.text.clear();
  for (int i = 0; i < 200; ++i) c.text += "確認してください。";  // one long line of CJK
  c.text += "\n";
  const ParsedMessage m = parse_message(rendered(c));
  const std::vector<ParsedMessage> parts =
      split_parts(m.body, boundary_of(m.header("Content-Type")));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].header("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(decode_part(parts[0]), to_crlf(c.text));
}

TEST(ReadMessage, HeadersAndTheDecodedTextWithItsLinkWhole) {
  MailContent c = sample();
  const std::string link = "https://id.example/reset-password?token=" + std::string(43, 'T');
  c.text = "Choose a new password:\n" + link + "\n";
  const std::string message = rendered(c);
  ASSERT_EQ(message.find(link), std::string::npos);  // quoted-printable broke it
  auto read = read_message(message);
  ASSERT_TRUE(read.has_value()) << message;
  EXPECT_EQ(read->text, c.text);
  EXPECT_TRUE(read->headers.starts_with("Date: Thu, 01 Feb 2024 10:00:00 +0000\n"));
  EXPECT_NE(read->headers.find("\nTo: user@example.com\n"), std::string::npos);
  EXPECT_EQ(read->headers.find('\r'), std::string::npos);
  EXPECT_FALSE(read->headers.ends_with("\n"));

  c.text.clear();
  for (int i = 0; i < 200; ++i) c.text += "確認してください。";
  c.text += "\n" + link;
  read = read_message(rendered(c));  // base64
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->text, c.text);
}

TEST(ReadMessage, RefusesWhatRenderDidNotWrite) {
  const std::string message = rendered(sample());
  EXPECT_FALSE(read_message("").has_value());
  EXPECT_FALSE(read_message("Subject: x\r\n\r\nplain body").has_value());
  EXPECT_FALSE(read_message(message.substr(0, message.size() / 2)).has_value());
  std::string swapped = message;
  swapped.replace(swapped.find("text/plain"), 10, "text/html!");
  EXPECT_FALSE(read_message(swapped).has_value());
  std::string bad_escape = message;
  bad_escape.insert(bad_escape.find("Hello,"), "=ZZ");
  EXPECT_FALSE(read_message(bad_escape).has_value());
}

TEST(Render, BodyLinesAtMost76AndHeaderLinesAtMost78) {
  MailContent c = sample();
  c.subject =
      "A subject that is long enough to need folding because it goes on and on and on "
      "past the seventy-eight characters a header line should keep to";
  c.text = std::string(1000, 'a') + "\n" + std::string(500, '=') + "\n";
  c.html = "<p>" + std::string(3000, 'x') + "</p>";
  for (int i = 0; i < 300; ++i) c.html += "\xc3\xa9";
  const std::string message = rendered(c);
  const ParsedMessage m = parse_message(message);
  for (const std::string& line : m.raw_header_lines) EXPECT_LE(line.size(), 78u) << line;
  for (const std::string& line : lines_of(m.body)) EXPECT_LE(line.size(), 76u) << line;
  // Folding only inserted CRLFs: the unfolded subject is the original.
  EXPECT_EQ(m.header("Subject"), c.subject);
  EXPECT_GT(m.raw_header_lines.size(), 9u);  // the subject did fold
}

TEST(Render, NonAsciiSubjectIsEncodedWordsThatDecodeBack) {
  MailContent c = sample();
  c.subject =
      "Bestätigen Sie Ihre E-Mail-Adresse — メールアドレスを確認してください 🔑 bitte heute noch";
  const ParsedMessage m = parse_message(rendered(c));
  bool in_subject = false;
  for (const std::string& line : m.raw_header_lines) {
    if (line.starts_with("Subject:"))
      in_subject = true;
    else if (!line.starts_with(" "))
      in_subject = false;
    if (!in_subject) continue;
    EXPECT_LE(line.size(), 78u) << line;
    const std::string words = line.starts_with("Subject: ") ? line.substr(9) : line.substr(1);
    EXPECT_TRUE(std::regex_match(words, std::regex(R"(=\?utf-8\?B\?[A-Za-z0-9+/=]+\?=)"))) << line;
    EXPECT_LE(words.size(), 75u);
  }
  EXPECT_EQ(decode_unstructured(m.header("Subject")), c.subject);
}

TEST(Render, AsciiSubjectThatLooksEncodedIsEncoded) {
  MailContent c = sample();
  c.subject = "=?utf-8?B?SGk=?= is not an encoded word here";
  const ParsedMessage m = parse_message(rendered(c));
  EXPECT_TRUE(m.header("Subject").starts_with("=?utf-8?B?"));
  EXPECT_EQ(decode_unstructured(m.header("Subject")), c.subject);
}

TEST(Render, EmptySubject) {
  MailContent c = sample();
  c.subject.clear();
  const ParsedMessage m = parse_message(rendered(c));
  EXPECT_EQ(m.raw_header_lines[3], "Subject:");
}

TEST(Render, DisplayNameForms) {
  struct Case {
    std::string name;
    std::string from_line;
  };
  const std::vector<Case> cases = {
      {"Tessera Accounts", "From: Tessera Accounts <noreply@example.com>"},
      {"", "From: noreply@example.com"},
      {"J. Doe", "From: \"J. Doe\" <noreply@example.com>"},
      {"Say \"hi\" \\o/", "From: \"Say \\\"hi\\\" \\\\o/\" <noreply@example.com>"},
      {" padded", "From: \" padded\" <noreply@example.com>"},
      {"Zoë", "From: =?utf-8?B?Wm/Dqw==?= <noreply@example.com>"},
      {"=?x?", "From: =?utf-8?B?PT94Pw==?= <noreply@example.com>"},
  };
  for (const Case& k : cases) {
    MailContent c = sample();
    c.from_name = k.name;
    const ParsedMessage m = parse_message(rendered(c));
    EXPECT_EQ(m.raw_header_lines[1], k.from_line) << k.name;
  }
}

TEST(Render, LongNonAsciiDisplayNameFolds) {
  MailContent c = sample();
  c.from_name = "Службa поддержки учётных записей компании Пример и партнёров";
  const ParsedMessage m = parse_message(rendered(c));
  for (const std::string& line : m.raw_header_lines) EXPECT_LE(line.size(), 78u) << line;
  const std::string from = m.header("From");
  ASSERT_TRUE(from.ends_with(" <noreply@example.com>")) << from;
  EXPECT_EQ(decode_unstructured(from.substr(0, from.size() - 22)), c.from_name);
}

TEST(Render, HeaderInjectionRefused) {
  for (const std::string_view bad : std::vector<std::string_view>{
           "Hi\r\nBcc: victim@example.com", "Hi\nBcc: x@example.com", "Hi\rX",
           std::string_view("Hi\0X", 4), "Tab\there", "Del\x7f"}) {
    MailContent c = sample();
    c.subject = std::string(bad);
    EXPECT_EQ(render(c, kThu1Feb2024, kId).error(), MailError::kHeaderControlChar) << bad;
    c = sample();
    c.from_name = std::string(bad);
    EXPECT_EQ(render(c, kThu1Feb2024, kId).error(), MailError::kHeaderControlChar) << bad;
  }
  MailContent c = sample();
  c.to = "user@example.com\r\nBcc: victim@example.com";
  EXPECT_EQ(render(c, kThu1Feb2024, kId).error(), MailError::kBadToAddress);
  c = sample();
  c.to = "a@example.com, b@example.com";  // exactly one recipient
  EXPECT_EQ(render(c, kThu1Feb2024, kId).error(), MailError::kBadToAddress);
  c = sample();
  c.from_address = "Evil <noreply@example.com>";
  EXPECT_EQ(render(c, kThu1Feb2024, kId).error(), MailError::kBadFromAddress);
  EXPECT_EQ(render(sample(), kThu1Feb2024, "<a@b>\r\nBcc: x@y").error(), MailError::kBadMessageId);
}

TEST(Render, OtherInputsRefused) {
  auto with = [](auto change) {
    MailContent c = sample();
    change(c);
    return render(c, kThu1Feb2024, kId);
  };
  EXPECT_EQ(with([](MailContent& c) { c.subject = "bad \xc3"; }).error(), MailError::kInvalidUtf8);
  EXPECT_EQ(with([](MailContent& c) { c.from_name = "\xc0\xaf"; }).error(),
            MailError::kInvalidUtf8);
  EXPECT_EQ(with([](MailContent& c) { c.text = "surrogate \xed\xa0\x80"; }).error(),
            MailError::kInvalidUtf8);
  EXPECT_EQ(with([](MailContent& c) { c.html = "\xff"; }).error(), MailError::kInvalidUtf8);
  EXPECT_EQ(with([](MailContent& c) { c.text = std::string("a\0b", 3); }).error(),
            MailError::kNulInBody);
  EXPECT_EQ(with([](MailContent& c) { c.html.clear(); }).error(), MailError::kEmptyBody);
  EXPECT_EQ(with([](MailContent& c) { c.text.clear(); }).error(), MailError::kEmptyBody);
  EXPECT_EQ(with([](MailContent& c) { c.text.assign(kMaxBodyBytes + 1, 'a'); }).error(),
            MailError::kBodyTooLarge);
  EXPECT_TRUE(with([](MailContent& c) { c.text.assign(kMaxBodyBytes, 'a'); }).has_value());
  EXPECT_EQ(with([](MailContent& c) { c.subject.assign(kMaxSubjectBytes + 1, 'a'); }).error(),
            MailError::kSubjectTooLong);
  EXPECT_EQ(with([](MailContent& c) { c.from_name.assign(kMaxNameBytes + 1, 'a'); }).error(),
            MailError::kNameTooLong);
  EXPECT_EQ(render(sample(), -1, kId).error(), MailError::kBadTime);
  EXPECT_EQ(render(sample(), kMaxUnixTime + 1, kId).error(), MailError::kBadTime);
  for (const std::string_view id : {"", "abc@example.com", "<abc>", "<a b@example.com>",
                                    "<@example.com>", "<a@>", "<a..b@example.com>"}) {
    EXPECT_EQ(render(sample(), kThu1Feb2024, id).error(), MailError::kBadMessageId) << id;
  }
}

TEST(Render, BoundaryIsRandomAndAbsentFromTheBodies) {
  MailContent c = sample();
  // Bodies that contain what a boundary line looks like, in plain text.
  c.text = "--=_AAAAAAAAAAAAAAAAAAAAAAAA\n--=_\n=_ =_=_\n";
  c.html = "<pre>--=_</pre>";
  const std::string a = rendered(c);
  const std::string b = rendered(c);
  const std::string boundary = boundary_of(parse_message(a).header("Content-Type"));
  ASSERT_EQ(boundary.size(), 26u);
  EXPECT_NE(boundary, boundary_of(parse_message(b).header("Content-Type")));
  // In the whole message: the parameter, two delimiters and the close delimiter, nothing else.
  std::size_t count = 0;
  for (std::size_t at = a.find(boundary); at != std::string::npos; at = a.find(boundary, at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 4u);
  // And no "=_" at all inside the encoded parts.
  for (const ParsedMessage& part : split_parts(parse_message(a).body, boundary)) {
    EXPECT_EQ(part.body.find("=_"), std::string::npos) << part.body;
  }
  const auto parts = split_parts(parse_message(a).body, boundary);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(decode_part(parts[0]), to_crlf(c.text));
}

TEST(FormatDate, Rfc5322DateTime) {
  EXPECT_EQ(format_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(format_date(951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
  EXPECT_EQ(format_date(kThu1Feb2024 + 3599), "Thu, 01 Feb 2024 10:59:59 +0000");
  EXPECT_EQ(format_date(1735689599), "Tue, 31 Dec 2024 23:59:59 +0000");
  EXPECT_EQ(format_date(kMaxUnixTime), "Fri, 31 Dec 9999 23:59:59 +0000");
}

TEST(MessageId, RandomAndWellFormed) {
  const std::string a = make_message_id("example.com");
  const std::string b = make_message_id("example.com");
  EXPECT_TRUE(std::regex_match(a, std::regex(R"(<[A-Za-z0-9_-]{22}@example\.com>)"))) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(render(sample(), kThu1Feb2024, a).has_value());
}

TEST(Address, StrictMailboxSyntax) {
  for (const std::string_view ok :
       {"user@example.com", "first.last+tag@sub.example.co.uk", "a@b", "x@xn--bcher-kva.example",
        "o'brien@example.com", "{weird}=#!$%&*/?^`|~@example.com", "u@a-b.example",
        "user@localhost"}) {
    EXPECT_TRUE(is_valid_address(ok)) << ok;
  }
  const std::string local64(64, 'a');
  EXPECT_TRUE(is_valid_address(local64 + "@example.com"));
  EXPECT_FALSE(is_valid_address(local64 + "a@example.com"));
  std::string long_domain;
  while (long_domain.size() < 250) long_domain += std::string(49, 'd') + ".";
  long_domain += "com";
  EXPECT_FALSE(is_valid_address("u@" + long_domain));
  EXPECT_FALSE(is_valid_address("u@" + std::string(64, 'l') + ".com"));
  EXPECT_TRUE(is_valid_address("u@" + std::string(63, 'l') + ".com"));
  for (const std::string_view bad : {"",
                                     "user",
                                     "@example.com",
                                     "user@",
                                     "user@@example.com",
                                     "a@b@example.com",
                                     ".user@example.com",
                                     "user.@example.com",
                                     "us..er@example.com",
                                     "\"quoted\"@example.com",
                                     "user@example.com.",
                                     "user@.example.com",
                                     "user@exa..mple.com",
                                     "user@-example.com",
                                     "user@example-.com",
                                     "user@exam_ple.com",
                                     "user@[192.0.2.1]",
                                     "us er@example.com",
                                     "user@example.com\r\n",
                                     "user\n@example.com",
                                     "<user@example.com>",
                                     "a,b@example.com",
                                     "user@ex ample.com",
                                     "us\xc3\xa9r@example.com",
                                     "user@b\xc3\xbc"
                                     "cher.example"}) {
    EXPECT_FALSE(is_valid_address(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_address(std::string_view("user\0@example.com", 18)));
}

}  // namespace
}  // namespace tessera::mail
