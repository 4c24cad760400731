#include "base/json_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace tessera::base {
namespace {

std::string as_json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string nlohmann_dump(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonText, EscapesLikeNlohmannOnValidText) {
  for (std::string_view s : std::initializer_list<std::string_view>{
           "", "plain", "a\"b", "back\\slash", "\b\f\n\r\t", std::string_view("\0\x01\x1f", 3),
           "zo\xc3\xab@example.com", "r\xc3\xb4le", "\xe2\x82\xac", "\xf0\x9f\x94\x91", "\x7f",
           "</script>"}) {
    EXPECT_EQ(as_json(s), nlohmann_dump(s)) << s;
  }
  // Random valid UTF-8: every code point class, compared with nlohmann.
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    for (int k = 0; k < 12; ++k) {
      auto cp = static_cast<char32_t>(rng() % 5 == 0 ? rng() % 0x20 : rng() % 0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 'x';
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        s.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else if (cp < 0x10000) {
        s.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else {
        s.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      }
    }
    ASSERT_EQ(as_json(s), nlohmann_dump(s));
  }
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharactersAndStaysParseable) {
  for (std::string_view s : std::initializer_list<std::string_view>{
           "\xff", "a\xc0\xafz", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80\x80",
           "ok\xc3"}) {
    const std::string out = as_json(s);
    auto parsed = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << out;
    EXPECT_NE(parsed.get<std::string>().find("\xef\xbf\xbd"), std::string::npos) << out;
  }
  EXPECT_EQ(as_json("a\xff"
                    "b"),
            "\"a\xef\xbf\xbd"
            "b\"");
}

TEST(JsonText, ArraysOfStrings) {
  std::string out;
  append_json_strings(out, {});
  EXPECT_EQ(out, "[]");
  out.clear();
  append_json_strings(out, {"user", "ad\"min"});
  EXPECT_EQ(out, R"(["user","ad\"min"])");
}

TEST(JsonObjectWriter, WritesTheMembersInOrderAsValidJson) {
  EXPECT_EQ(JsonObjectWriter().take(), "{}");
  const std::string text = JsonObjectWriter(64)
                               .string("sub", "a\"b")
                               .integer("iat", -17)
                               .integer("exp", INT64_MAX)
                               .strings("roles", {"admin", "r\xc3\xb4le", "bad\xff"})
                               .strings("amr", {})
                               .string("k\ney", "")
                               .take();
  EXPECT_EQ(
      text,
      "{\"sub\":\"a\\\"b\",\"iat\":-17,\"exp\":9223372036854775807,"
      "\"roles\":[\"admin\",\"r\xc3\xb4le\",\"bad\xef\xbf\xbd\"],\"amr\":[],\"k\\ney\":\"\"}");
  const auto parsed = nlohmann::json::parse(text);  // valid JSON, each value as given
  EXPECT_EQ(parsed.at("sub"), "a\"b");
  EXPECT_EQ(parsed.at("exp").get<std::int64_t>(), INT64_MAX);
  EXPECT_EQ(parsed.at("k\ney"), "");
}

}  // namespace
}  // namespace tessera::base
