#include "http/problem.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tessera::http {
namespace {

TEST(Problem, HasTheFourRfc9457Members) {
  Response r = problem(404, "no resource at this path");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/problem+json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j, nlohmann::json({{"type", "about:blank"},
                               {"title", "Not Found"},
                               {"status", 404},
                               {"detail", "no resource at this path"}}));
}

TEST(Problem, EscapesTheDetailAndSurvivesInvalidUtf8) {
  auto j = nlohmann::json::parse(problem_json(400, "a \"quoted\" \xff value"));
  EXPECT_EQ(j["title"], "Bad Request");
  EXPECT_NE(j["detail"].get<std::string>().find("\"quoted\""), std::string::npos);
}

TEST(ReasonPhrase, KnownAndUnknown) {
  EXPECT_EQ(reason_phrase(413), "Payload Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(577), "Unknown Status");
  EXPECT_EQ(reason_phrase(-1), "Unknown Status");
}

}  // namespace
}  // namespace tessera::http
