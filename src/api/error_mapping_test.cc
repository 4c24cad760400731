// The one mapping from auth errors to HTTP (error_mapping.h): the documented status for every
// Errc, a bland fixed message wherever the table says so (no detail a store or a check put in
// Error::detail ever reaches the client there), Retry-After on 429 and on busy 503s, and the
// WWW-Authenticate challenge on every 401 and nowhere else.
#include "api/error_mapping.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tessera::api {
namespace {

using auth::Errc;

// A detail no fixed message contains: if it shows up in a response, the detail leaked.
constexpr std::string_view kLeak = "sqlite: /var/lib/tessera/tessera.db: disk I/O error";

struct Row {
  Errc code;
  int status;
  std::string retry_after;     // for Error::retry_after = 60; "" for none
  bool shows_detail;           // does the client see Error::detail?
  std::string fixed_message;   // the detail shown when Error::detail is not
  std::string challenge = {};  // WWW-Authenticate; "" for the plain one on a 401 (none otherwise)
};

// RFC 9470 section 3, for an Error with max_age 0 (what the rows below build).
constexpr char kStepUpChallenge[] =
    R"(Bearer realm="tessera", error="insufficient_user_authentication", )"
    R"(error_description="A more recent authentication is required", max_age=0)";

// error_mapping.h's table, row by row.
const std::vector<Row>& table() {
  static const std::vector<Row> rows = {
      {Errc::kInvalidCredentials, 401, "", false, std::string(kInvalidCredentialsDetail)},
      {Errc::kRateLimited, 429, "60", true, "too many failed attempts; try again later"},
      {Errc::kConcurrencyLimited, 429, "1", false,
       "too many login attempts in progress for this account or from this address; retry "
       "shortly"},
      {Errc::kEmailTaken, 409, "", false, "that email is already registered"},
      {Errc::kWeakPassword, 422, "", true, "the password is too weak"},
      {Errc::kBadInput, 400, "", true, "the request is malformed"},
      {Errc::kUnauthenticated, 401, "", false, "authentication required"},
      {Errc::kForbidden, 403, "", true, "not allowed"},
      {Errc::kBusy, 503, "1", false, "the server is busy; try again shortly"},
      {Errc::kUnavailable, 503, "", false, "a backing store is unavailable; try again later"},
      {Errc::kNotFound, 404, "", false, "not found"},
      {Errc::kInternal, 500, "", false, "internal error"},
      {Errc::kStepUpRequired, 401, "", false,
       "this action needs a more recent sign-in; sign in again", kStepUpChallenge},
      {Errc::kConflict, 409, "", true, "that conflicts with what exists"},
      {Errc::kInvalidCode, 401, "", false, "the code is not valid"},
      {Errc::kInvalidMfaToken, 401, "", false,
       "the sign-in expired or was already completed; start again"},
      {Errc::kMfaEnrollmentRequired, 403, "", false,
       "your account must have a second factor: set one up before doing anything else"},
      {Errc::kPasskeyRefused, 401, "", false, std::string(kPasskeyRefusedDetail)},
      {Errc::kNotConfigured, 503, "", true, "this feature is not configured"},
      {Errc::kInvalidLink, 400, "", true, "the link is not valid"},
      {Errc::kEmailNotVerified, 403, "", true, "confirm your email address before you sign in"},
  };
  return rows;
}

std::string header(const http::Response& r, std::string_view name) {
  return std::string(r.headers.get(name).value_or(""));
}

std::string detail_of(const http::Response& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_object() && j["detail"].is_string() ? j["detail"].get<std::string>() : "<none>";
}

// Every Errc value has a row: a value added to auth/errors.h without a decision here fails.
// (describe() names every real value and answers "unknown error" past the last one.)
TEST(ErrorMapping, EveryErrcHasARow) {
  int values = 0;
  for (int i = 0; i < 256; ++i) {
    const auto code = static_cast<Errc>(i);
    if (auth::describe(code) == "unknown error") continue;
    ++values;
    bool found = false;
    for (const Row& row : table()) found = found || row.code == code;
    EXPECT_TRUE(found) << "no row for " << auth::describe(code);
  }
  EXPECT_EQ(values, static_cast<int>(table().size()));
}

// The second-factor refusals name themselves for clients to react to (error_mapping.h).
TEST(ErrorMapping, SecondFactorRefusalsCarryTheirErrorMember) {
  for (const auto& [code, error] :
       {std::pair{Errc::kInvalidCode, "invalid_code"},
        std::pair{Errc::kInvalidMfaToken, "invalid_mfa_token"},
        std::pair{Errc::kMfaEnrollmentRequired, "mfa_enrollment_required"}}) {
    auto j = nlohmann::json::parse(error_response(auth::make_error(code)).body);
    EXPECT_EQ(j["error"], error);
  }
  const std::vector<std::string> methods = {"totp", "webauthn"};
  http::Response r = mfa_required_response("tok", methods);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  EXPECT_EQ(header(r, "WWW-Authenticate"), kWwwAuthenticate);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"], "mfa_required");
  EXPECT_EQ(j["mfa_required"], true);
  EXPECT_EQ(j["mfa_token"], "tok");
  EXPECT_EQ(j["methods"], nlohmann::json({"totp", "webauthn"}));
}

TEST(ErrorMapping, StatusHeadersAndBodyPerRow) {
  for (const Row& row : table()) {
    SCOPED_TRACE(std::string(auth::describe(row.code)));
    const auth::Error e{.code = row.code, .retry_after = 60, .detail = ""};
    EXPECT_EQ(http_status(row.code), row.status);
    http::Response r = error_response(e);
    EXPECT_EQ(r.status, row.status);
    EXPECT_EQ(header(r, "Content-Type"), "application/problem+json");
    EXPECT_EQ(header(r, "Retry-After"), row.retry_after);
    EXPECT_EQ(header(r, "WWW-Authenticate"), !row.challenge.empty() ? row.challenge
                                             : row.status == 401    ? std::string(kWwwAuthenticate)
                                                                    : "");
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["status"], row.status);
    EXPECT_EQ(j["type"], "about:blank");
    EXPECT_EQ(detail_of(r), row.fixed_message);
  }
}

// Detailed inside, bland outside: only the codes documented to show Error::detail do.
TEST(ErrorMapping, DetailReachesTheClientOnlyWhereDocumented) {
  for (const Row& row : table()) {
    SCOPED_TRACE(std::string(auth::describe(row.code)));
    http::Response r = error_response(auth::make_error(row.code, std::string(kLeak)));
    EXPECT_EQ(detail_of(r), row.shows_detail ? std::string(kLeak) : row.fixed_message);
    if (!row.shows_detail) {
      EXPECT_EQ(r.body.find("sqlite"), std::string::npos) << r.body;
      for (const auto& [name, value] : r.headers) {
        EXPECT_EQ(value.find("sqlite"), std::string::npos) << name;
      }
    }
  }
}

// SPEC.md "Identity": unknown email, wrong password and disabled user read the same.
TEST(ErrorMapping, InvalidCredentialsIsOneResponseWhateverTheCause) {
  http::Response plain = error_response(auth::make_error(Errc::kInvalidCredentials));
  for (const char* cause : {"user disabled", "unknown email", "wrong password"}) {
    http::Response r = error_response(auth::make_error(Errc::kInvalidCredentials, cause));
    EXPECT_EQ(r.status, plain.status);
    EXPECT_EQ(r.body, plain.body) << cause;
    EXPECT_EQ(r.headers.size(), plain.headers.size()) << cause;
  }
}

TEST(ErrorMapping, RetryAfter) {
  auto retry_after = [](Errc code, std::int64_t seconds) {
    return header(error_response(auth::Error{.code = code, .retry_after = seconds, .detail = ""}),
                  "Retry-After");
  };
  // kRateLimited: the limiter's seconds, never below 1 (a client must not retry at once).
  EXPECT_EQ(retry_after(Errc::kRateLimited, 895), "895");
  EXPECT_EQ(retry_after(Errc::kRateLimited, 1), "1");
  EXPECT_EQ(retry_after(Errc::kRateLimited, 0), "1");
  EXPECT_EQ(retry_after(Errc::kRateLimited, -5), "1");
  // kConcurrencyLimited: 1 s, never a window's end, whatever retry_after says.
  EXPECT_EQ(retry_after(Errc::kConcurrencyLimited, 895), "1");
  EXPECT_EQ(retry_after(Errc::kConcurrencyLimited, 0), "1");
  // The two 429s tell the client different stories.
  EXPECT_NE(error_response(auth::make_error(Errc::kRateLimited)).body,
            error_response(auth::make_error(Errc::kConcurrencyLimited)).body);
}

// Fail closed: a store that cannot answer is a 503, never a 401/403 or a 200.
TEST(ErrorMapping, UnavailableStoreIs503) {
  EXPECT_EQ(error_response(auth::make_error(Errc::kUnavailable)).status, 503);
  EXPECT_EQ(error_response(auth::from_store(store::StoreError::kUnavailable)).status, 503);
  EXPECT_EQ(error_response(auth::from_store(store::StoreError::kCorrupt)).status, 500);
}

// problem_response (the api layer's own 4xx) follows the same rule for the challenge.
TEST(ErrorMapping, ProblemResponseChallengesOn401Only) {
  for (int status : {400, 401, 403, 404, 413, 415, 429, 500, 503}) {
    http::Response r = problem_response(status, http::codes::kBadInput, "something");
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(header(r, "Content-Type"), "application/problem+json");
    EXPECT_EQ(header(r, "WWW-Authenticate"), status == 401 ? kWwwAuthenticate : "") << status;
    EXPECT_EQ(detail_of(r), "something");
  }
}

// RFC 9470 section 3: the max_age the action demands, in the challenge and, for cookie clients,
// in the problem body beside the error code.
TEST(ErrorMapping, StepUpCarriesItsErrorAndMaxAgeInTheChallengeAndTheBody) {
  auth::Error e = auth::make_error(Errc::kStepUpRequired);
  e.max_age = 600;
  const http::Response r = error_response(e);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(header(r, "WWW-Authenticate"),
            R"(Bearer realm="tessera", error="insufficient_user_authentication", )"
            R"(error_description="A more recent authentication is required", max_age=600)");
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["error"], "insufficient_user_authentication");
  EXPECT_EQ(j["max_age"], 600);
  EXPECT_EQ(j["status"], 401);
  EXPECT_EQ(step_up_response(600).body, r.body);
}

TEST(ErrorMapping, AnOutOfRangeCodeIsA500) { EXPECT_EQ(http_status(static_cast<Errc>(250)), 500); }

}  // namespace
}  // namespace tessera::api
