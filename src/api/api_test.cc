// Unit tests of the api layer's pure parts: the strict JSON bodies. (The error mapping:
// error_mapping_test.cc; the handlers end to end: tests/http/auth_api_test.cc.)
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "api/json_body.h"

namespace tessera::api {
namespace {

http::Request json_request(std::string body, std::string type = "application/json") {
  http::Request r;
  r.method = "POST";
  if (!type.empty()) r.headers.set("Content-Type", std::move(type));
  r.body = std::move(body);
  return r;
}

constexpr std::array<JsonMember, 2> kMembers = {JsonMember{"email"}, JsonMember{"totp", false}};

TEST(JsonBody, AcceptsAFlatObjectOfStrings) {
  auto f = read_json_object(json_request(R"( {"email": "a@b.c"} )"), kMembers);
  ASSERT_TRUE(f) << f.error().body;
  EXPECT_EQ(f->get("email"), "a@b.c");
  EXPECT_FALSE(f->get("totp"));
  auto charset = read_json_object(
      json_request(R"({"email":"x","totp":"1"})", "application/json; charset=utf-8"), kMembers);
  ASSERT_TRUE(charset);
  EXPECT_EQ(charset->take("totp"), "1");
}

TEST(JsonBody, RefusesEverythingElse) {
  struct Case {
    std::string body, type;
    int status;
    std::string detail;  // a part of the detail
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"email":"x"})", "text/plain", 415, "application/json"},
           {R"({"email":"x"})", "", 415, "application/json"},
           {"", "application/json", 400, "malformed"},
           {"{", "application/json", 400, "malformed"},
           {R"({"email":"x"} {})", "application/json", 400, "malformed"},
           {R"("x")", "application/json", 400, "object"},
           {R"([])", "application/json", 400, "object"},
           {R"({"email":1})", "application/json", 400, "must be a string"},
           {R"({"email":{"a":"b"}})", "application/json", 400, "must be a string"},
           {R"({"email":["a"]})", "application/json", 400, "must be a string"},
           {R"({"email":"a","email":"b"})", "application/json", 400, "duplicate"},
           {R"({"email":"a","admin":"1"})", "application/json", 400, "unknown member"},
           {R"({"totp":"1"})", "application/json", 400, "missing member"},
           {R"({"email":"a\u0000"})", "application/json", 400, "NUL"},
           {"{\"email\":\"\xff\"}", "application/json", 400, "malformed"},
           {std::string(100000, '['), "application/json", 400, "object"},
       }) {
    auto f = read_json_object(json_request(c.body, c.type), kMembers);
    ASSERT_FALSE(f) << c.body;
    EXPECT_EQ(f.error().status, c.status) << c.body;
    EXPECT_NE(f.error().body.find(c.detail), std::string::npos)
        << c.body << " -> " << f.error().body;
  }
}

TEST(JsonBody, EmptyBodyEndpoints) {
  EXPECT_TRUE(check_empty_body(json_request("", "")));
  EXPECT_TRUE(check_empty_body(json_request("{}")));
  EXPECT_TRUE(
      check_empty_body(json_request("csrf_token=abc", "application/x-www-form-urlencoded")));
  EXPECT_EQ(check_empty_body(json_request(R"({"a":"b"})")).error().status, 400);
  EXPECT_EQ(
      check_empty_body(json_request("x=1", "application/x-www-form-urlencoded")).error().status,
      400);
  EXPECT_EQ(check_empty_body(json_request("hello", "text/plain")).error().status, 415);
}

}  // namespace
}  // namespace tessera::api
