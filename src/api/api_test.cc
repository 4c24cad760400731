// Unit tests of the api layer's pure parts: the strict JSON bodies. (The error mapping:
// error_mapping_test.cc; the handlers end to end: tests/http/auth_api_test.cc.)
#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

constexpr std::array<JsonMember, 3> kTyped = {JsonMember{"name"},
                                              JsonMember{"uris", false, JsonKind::kStrings},
                                              JsonMember{"first", false, JsonKind::kBool}};

TEST(JsonBody, ListAndBooleanMembersWhereDeclared) {
  auto f = read_json_object(json_request(R"({"name":"a","uris":["x","y"],"first":true})"), kTyped);
  ASSERT_TRUE(f) << f.error().body;
  EXPECT_EQ(f->get("name"), "a");
  EXPECT_EQ(f->take_list("uris"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(f->flag("first"), true);
  auto empty = read_json_object(json_request(R"({"name":"a","uris":[]})"), kTyped);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->has("uris"));
  EXPECT_TRUE(empty->take_list("uris").empty());
  EXPECT_FALSE(empty->flag("first"));

  for (const auto& [body, detail] : std::initializer_list<std::pair<std::string, std::string>>{
           {R"({"name":"a","uris":"x"})", "must be an array of strings, not a string"},
           {R"({"name":"a","uris":[1]})", "must be an array of strings, not a number"},
           {R"({"name":"a","uris":[["x"]]})", "must be an array of strings, not an array"},
           {R"({"name":"a","uris":[{"x":"y"}]})", "must be an array of strings, not an object"},
           {R"({"name":"a","uris":[null]})", "must be an array of strings, not null"},
           {R"({"name":"a","uris":["\u0000"]})", "NUL"},
           {R"({"name":"a","uris":[],"uris":[]})", "duplicate"},
           {R"({"name":"a","first":"true"})", "must be true or false, not a string"},
           {R"({"name":"a","first":1})", "must be true or false, not a number"},
           {R"({"name":true})", "must be a string, not a boolean"},
           {R"({"uris":[]})", "missing member"},
       }) {
    auto r = read_json_object(json_request(body), kTyped);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().status, 400) << body;
    EXPECT_NE(r.error().body.find(detail), std::string::npos) << body << " -> " << r.error().body;
  }
}

constexpr std::array<JsonMember, 2> kWithObject = {
    JsonMember{"mfa_token"},
    JsonMember{.name = "webauthn", .required = false, .kind = JsonKind::kObject}};

TEST(JsonBody, ObjectMembersKeepAnyJsonButStayStrict) {
  auto f = read_json_object(
      json_request(R"({"mfa_token":"t","webauthn":{"id":"x","n":[1,-2.5,true,null,{"a":[]}],)"
                   R"("response":{"clientDataJSON":"e30"}}})"),
      kWithObject);
  ASSERT_TRUE(f) << f.error().body;
  EXPECT_EQ(f->get("mfa_token"), "t");
  auto text = f->object_text("webauthn");
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(nlohmann::json::parse(*text),
            nlohmann::json::parse(R"({"id":"x","n":[1,-2.5,true,null,{"a":[]}],)"
                                  R"("response":{"clientDataJSON":"e30"}})"));
  // Absent: nullopt.
  auto none = read_json_object(json_request(R"({"mfa_token":"t"})"), kWithObject);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->object_text("webauthn").has_value());

  std::string deep = R"({"mfa_token":"t","webauthn":)";
  for (int i = 0; i < 9; ++i) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < 9; ++i) deep += "}";
  deep += "}";
  for (const auto& [body, detail] : std::initializer_list<std::pair<std::string, std::string>>{
           {R"({"mfa_token":"t","webauthn":"x"})", "must be an object, not a string"},
           {R"({"mfa_token":"t","webauthn":[]})", "must be an object, not an array"},
           {R"({"mfa_token":"t","webauthn":{"a":1,"a":2}})", "duplicate member"},
           {R"({"mfa_token":"t","webauthn":{"r":{"b":1,"b":1}}})", "duplicate member"},
           {R"({"mfa_token":"t","webauthn":{"a":"\u0000"}})", "NUL"},
           {R"({"mfa_token":"t","webauthn":{},"webauthn":{}})", "duplicate"},
           {R"({"mfa_token":{}})", "must be a string, not an object"},
           {deep, "nested too deeply"},
       }) {
    auto r = read_json_object(json_request(body), kWithObject);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().status, 400) << body;
    EXPECT_NE(r.error().body.find(detail), std::string::npos) << body << " -> " << r.error().body;
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
