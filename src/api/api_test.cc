// Unit tests of the api layer's pure parts: the error mapping and the strict JSON bodies.
// (The handlers end to end: tests/http/auth_api_test.cc.)
#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "api/error_mapping.h"
#include "api/json_body.h"

namespace tessera::api {
namespace {

using auth::Errc;

TEST(ErrorMapping, StatusesAndHeaders) {
  struct Case {
    Errc code;
    int status;
    std::string retry_after;
  };
  for (const Case& c : {Case{Errc::kInvalidCredentials, 401, ""},
                        Case{Errc::kRateLimited, 429, "60"}, Case{Errc::kEmailTaken, 409, ""},
                        Case{Errc::kWeakPassword, 422, ""}, Case{Errc::kBadInput, 400, ""},
                        Case{Errc::kUnauthenticated, 401, ""}, Case{Errc::kForbidden, 403, ""},
                        Case{Errc::kBusy, 503, "1"}, Case{Errc::kUnavailable, 503, ""},
                        Case{Errc::kNotFound, 404, ""}, Case{Errc::kInternal, 500, ""}}) {
    auth::Error e{.code = c.code, .retry_after = 60, .detail = ""};
    http::Response r = error_response(e);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.headers.get("Content-Type").value_or(""), "application/problem+json");
    EXPECT_EQ(std::string(r.headers.get("Retry-After").value_or("")), c.retry_after);
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["status"], c.status);
    EXPECT_TRUE(j["detail"].is_string() && !j["detail"].get<std::string>().empty());
  }
}

TEST(ErrorMapping, InvalidCredentialsHasOneBodyWhateverTheDetail) {
  http::Response a = error_response(auth::make_error(Errc::kInvalidCredentials));
  http::Response b = error_response(auth::make_error(Errc::kInvalidCredentials, "user disabled"));
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(b.body.find("disabled"), std::string::npos);
  // Bland codes never show a detail; kBadInput and kWeakPassword do.
  EXPECT_EQ(
      error_response(auth::make_error(Errc::kInternal, "sqlite: disk I/O")).body.find("sqlite"),
      std::string::npos);
  EXPECT_NE(error_response(auth::make_error(Errc::kBadInput, "email has no @")).body.find("no @"),
            std::string::npos);
}

TEST(ErrorMapping, RetryAfterIsAtLeastOne) {
  auth::Error e{.code = Errc::kRateLimited, .retry_after = 0, .detail = ""};
  EXPECT_EQ(error_response(e).headers.get("Retry-After").value_or(""), "1");
}

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
