#include "http/form.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(Form, ParsesAndDecodes) {
  auto f = parse_form("a=1&b=hello+world&c=%2B%26%3D%25&d=&e=caf%C3%A9&&f=x%2fy");
  ASSERT_TRUE(f) << f.error();
  EXPECT_EQ(form_field(*f, "a"), "1");
  EXPECT_EQ(form_field(*f, "b"), "hello world");
  EXPECT_EQ(form_field(*f, "c"), "+&=%");
  EXPECT_EQ(form_field(*f, "d"), "");
  EXPECT_EQ(form_field(*f, "e"), "caf\xc3\xa9");
  EXPECT_EQ(form_field(*f, "f"), "x/y");
  EXPECT_FALSE(form_field(*f, "zz"));
  EXPECT_TRUE(parse_form("")->empty());
}

TEST(Form, RepeatedFieldIsAmbiguous) {
  auto f = parse_form("csrf_token=a&csrf_token=b");
  ASSERT_TRUE(f);
  EXPECT_FALSE(form_field(*f, "csrf_token"));
}

TEST(Form, MalformedIsRefused) {
  for (std::string_view body :
       {"a=%", "a=%4", "a=%zz", "a=%4g", "noequals", "a=1&b", "a=%00", "a=b c", "a=\xc3\xa9",
        "a=%C3", "a=%C0%AF", "a=%ED%A0%80", "a=%F5%80%80%80", "a=\n"}) {
    EXPECT_FALSE(parse_form(body)) << body;
  }
}

TEST(Form, Utf8) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_utf8("\x80"));
  EXPECT_FALSE(is_utf8("\xc3"));
  EXPECT_FALSE(is_utf8("\xe2\x82"));
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
}

TEST(Form, MediaType) {
  Request r;
  EXPECT_FALSE(has_media_type(r, "application/json"));
  r.headers.set("Content-Type", "Application/JSON; charset=utf-8");
  EXPECT_TRUE(has_media_type(r, "application/json"));
  r.headers.set("Content-Type", "application/jsonx");
  EXPECT_FALSE(has_media_type(r, "application/json"));
  r.headers.set("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_TRUE(has_media_type(r, "application/x-www-form-urlencoded"));
}

}  // namespace
}  // namespace tessera::http
