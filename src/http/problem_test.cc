#include "http/problem.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tessera::http {
namespace {

TEST(Problem, HasTheFourRfc9457MembersAndACode) {
  Response r = problem(404, codes::kRouteNotFound, "no resource at this path");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/problem+json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j, nlohmann::json({{"type", "about:blank"},
                               {"title", "Not Found"},
                               {"status", 404},
                               {"detail", "no resource at this path"},
                               {"code", "route_not_found"}}));
}

TEST(Problem, EscapesTheDetailAndSurvivesInvalidUtf8) {
  auto j =
      nlohmann::json::parse(problem_json(400, codes::kMalformedRequest, "a \"quoted\" \xff value"));
  EXPECT_EQ(j["title"], "Bad Request");
  EXPECT_NE(j["detail"].get<std::string>().find("\"quoted\""), std::string::npos);
}

TEST(Problem, ExtensionMembersFollowTheCode) {
  Response r = problem(401, codes::kMfaRequired, "x", {{.name = "error", .text = "mfa_required"}});
  EXPECT_EQ(r.body, R"({"type":"about:blank","title":"Unauthorized","status":401,"detail":"x",)"
                    R"("code":"mfa_required","error":"mfa_required"})");
}

TEST(ReasonPhrase, KnownAndUnknown) {
  EXPECT_EQ(reason_phrase(413), "Payload Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(577), "Unknown Status");
  EXPECT_EQ(reason_phrase(-1), "Unknown Status");
}

}  // namespace
}  // namespace tessera::http
