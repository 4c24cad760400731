// Issue 19: every problem+json carries a stable `code`. Every Errc has a row in the one table
// (error_mapping.h errc_row) whose code is in the catalogue (http/problem_codes.h), the bodies
// carry it (and, where they have an `error` member, the same text), and docs/errors.md lists
// every code of the catalogue.
#include "http/problem_codes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "api/error_mapping.h"

namespace tessera::api {
namespace {

using auth::Errc;

bool in_catalogue(http::ProblemCode code) {
  for (http::ProblemCode c : http::codes::kAll) {
    if (c == code) return true;
  }
  return false;
}

// Every Errc, by its underlying value up to the last enumerator (auth/errors.h kLastErrc).
std::vector<Errc> every_errc() {
  std::vector<Errc> all;
  for (int i = 0; i <= static_cast<int>(auth::kLastErrc); ++i) all.push_back(static_cast<Errc>(i));
  return all;
}

TEST(ProblemCodes, EveryErrcHasACatalogueCodeAndItsBodyCarriesIt) {
  for (Errc errc : every_errc()) {
    SCOPED_TRACE(std::string(auth::describe(errc)));
    const ErrcRow row = errc_row(errc);
    EXPECT_TRUE(in_catalogue(row.code)) << row.code.value();
    const http::Response r = error_response(auth::make_error(errc));
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["code"], std::string(row.code.value()));
    EXPECT_EQ(r.status, row.status);
    if (j.contains("error")) {
      EXPECT_EQ(j["error"], j["code"]);  // the older member agrees
    }
  }
}

TEST(ProblemCodes, TheResponsesBuiltBesideTheTableCarryTheirCodes) {
  auto code_of = [](const http::Response& r) {
    return nlohmann::json::parse(r.body)["code"].get<std::string>();
  };
  EXPECT_EQ(code_of(invalid_token_response()), "invalid_token");
  EXPECT_EQ(code_of(step_up_response(60)), "insufficient_user_authentication");
  const std::vector<std::string> methods = {"totp"};
  const http::Response mfa = mfa_required_response("tok", methods);
  EXPECT_EQ(code_of(mfa), "mfa_required");
  EXPECT_EQ(nlohmann::json::parse(mfa.body)["error"], "mfa_required");
  EXPECT_EQ(code_of(problem_response(403, http::codes::kCsrfFailed, "x")), "csrf_failed");
}

TEST(ProblemCodes, CodesAreUniqueAndSnakeCase) {
  std::set<std::string_view> seen;
  for (http::ProblemCode c : http::codes::kAll) {
    EXPECT_TRUE(seen.insert(c.value()).second) << "twice: " << c.value();
    ASSERT_FALSE(c.value().empty());
    for (char ch : c.value()) {
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_') << c.value();
    }
  }
}

// docs/errors.md names each code as `code` in the first cell of a table row.
TEST(ProblemCodes, DocsErrorsListsEveryCode) {
  std::ifstream in(TESSERA_ERRORS_DOC);
  ASSERT_TRUE(in) << TESSERA_ERRORS_DOC;
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  for (http::ProblemCode c : http::codes::kAll) {
    const std::string cell = "| `" + std::string(c.value()) + "` |";
    EXPECT_NE(doc.find(cell), std::string::npos)
        << "docs/errors.md does not list the code " << c.value();
  }
}

}  // namespace
}  // namespace tessera::api
