#include "jose/json.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera::jose::json {
namespace {

TEST(StrictJson, ParsesObjects) {
  StrictParser p;
  auto obj = p.parse_object(R"({"a":"x","b":[1,2],"c":{"d":true}})");
  ASSERT_TRUE(obj);
  auto a = get_string(*obj, "a", Error::kClaimType);
  ASSERT_TRUE(a && *a);
  EXPECT_EQ(**a, "x");
}

TEST(StrictJson, RejectsDuplicateMembersAtAnyDepth) {
  StrictParser p;
  EXPECT_EQ(p.parse_object(R"({"a":1,"a":2})").error(), Error::kDuplicateMember);
  EXPECT_EQ(p.parse_object(R"({"a":1,"\u0061":2})").error(), Error::kDuplicateMember);
  EXPECT_EQ(p.parse_object(R"({"x":{"a":1,"a":2}})").error(), Error::kDuplicateMember);
  EXPECT_EQ(p.parse_object(R"({"x":[{"a":1,"a":2}]})").error(), Error::kDuplicateMember);
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":1,";
  big += "\"k7\":2}";
  EXPECT_EQ(p.parse_object(big).error(), Error::kDuplicateMember);
}

TEST(StrictJson, RejectsNonObjectsAndGarbage) {
  StrictParser p;
  EXPECT_EQ(p.parse_object("[1]").error(), Error::kNotAnObject);
  EXPECT_EQ(p.parse_object("\"s\"").error(), Error::kNotAnObject);
  EXPECT_EQ(p.parse_object("{} x").error(), Error::kBadJson);
  EXPECT_EQ(p.parse_object("{'a':1}").error(), Error::kBadJson);
  EXPECT_EQ(p.parse_object("").error(), Error::kBadJson);
  EXPECT_EQ(p.parse_object("{\"a\":\"\x01\"}").error(), Error::kBadJson);
}

TEST(StrictJson, RejectsInvalidUtf8) {
  StrictParser p;
  EXPECT_FALSE(p.parse_object("{\"a\":\"\xff\"}"));
  EXPECT_FALSE(p.parse_object("{\"a\":\"\xc0\xaf\"}"));      // overlong '/'
  EXPECT_FALSE(p.parse_object("{\"a\":\"\xed\xa0\x80\"}"));  // UTF-16 surrogate
  EXPECT_TRUE(p.parse_object("{\"a\":\"\xc3\xa9\"}"));       // é
}

TEST(StrictJson, CapsNesting) {
  StrictParser p;
  std::string deep(100, '[');
  deep = "{\"a\":" + deep + std::string(100, ']') + "}";
  EXPECT_EQ(p.parse_object(deep).error(), Error::kTooDeep);
  std::string ok = "{\"a\":[[[[1]]]]}";
  EXPECT_TRUE(p.parse_object(ok));
}

TEST(StrictJson, Int64OnlyForIntegers) {
  StrictParser p;
  auto obj = p.parse_object(
      R"({"i":1700000000,"f":1.0,"e":1e9,"s":"1","n":-5,"big":18446744073709551615})");
  ASSERT_TRUE(obj);
  EXPECT_EQ(as_int64((*obj)["i"].value()), 1700000000);
  EXPECT_EQ(as_int64((*obj)["n"].value()), -5);
  EXPECT_FALSE(as_int64((*obj)["f"].value()));
  EXPECT_FALSE(as_int64((*obj)["e"].value()));
  EXPECT_FALSE(as_int64((*obj)["s"].value()));
  EXPECT_FALSE(as_int64((*obj)["big"].value()));
}

}  // namespace
}  // namespace tessera::jose::json
