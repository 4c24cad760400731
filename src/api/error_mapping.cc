#include "api/error_mapping.h"

#include <string>

#include "http/problem.h"

namespace tessera::api {
namespace {

using http::ProblemCode;
namespace codes = http::codes;

// Every problem response leaves through here, so no 401 goes out without its challenge.
http::Response problem_with_challenge(int status, ProblemCode code, std::string_view detail,
                                      std::initializer_list<http::ProblemMember> extra = {}) {
  http::Response res = http::problem(status, code, detail, extra);
  if (status == 401) res.headers.set("WWW-Authenticate", std::string(kWwwAuthenticate));
  return res;
}

// A problem naming its cause in an `error` member too (after the standard members): the
// member clients read before `code` existed; both carry the same text.
http::Response coded_problem(auth::Errc errc, std::string_view detail) {
  const ErrcRow row = errc_row(errc);
  return problem_with_challenge(row.status, row.code, detail,
                                {{.name = "error", .text = row.code.value()}});
}

}  // namespace

// The one table: Errc -> status and code (the title is the status's reason phrase, RFC 9457
// section 4.2.1). A switch, so the compiler names an Errc added without a row.
ErrcRow errc_row(auth::Errc code) {
  using auth::Errc;
  switch (code) {
    case Errc::kInvalidCredentials:
      return {401, codes::kInvalidCredentials};
    case Errc::kRateLimited:
      return {429, codes::kRateLimited};  // RFC 6585 section 4
    case Errc::kConcurrencyLimited:
      return {429, codes::kConcurrencyLimited};
    case Errc::kEmailTaken:
      return {409, codes::kEmailTaken};
    case Errc::kWeakPassword:  // RFC 9110 section 15.5.21: well-formed, but refused by policy
      return {422, codes::kWeakPassword};
    case Errc::kBadInput:
      return {400, codes::kBadInput};
    case Errc::kUnauthenticated:
      return {401, codes::kUnauthenticated};
    case Errc::kForbidden:
      return {403, codes::kForbidden};
    case Errc::kBusy:
      return {503, codes::kBusy};
    case Errc::kUnavailable:
      return {503, codes::kUnavailable};
    case Errc::kNotFound:
      return {404, codes::kNotFound};
    case Errc::kInternal:
      return {500, codes::kInternalError};
    case Errc::kStepUpRequired:  // RFC 9470 section 3
      return {401, codes::kStepUpRequired};
    case Errc::kConflict:
      return {409, codes::kConflict};
    case Errc::kInvalidCode:
      return {401, codes::kInvalidCode};
    case Errc::kInvalidMfaToken:
      return {401, codes::kInvalidMfaToken};
    case Errc::kMfaEnrollmentRequired:
      return {403, codes::kMfaEnrollmentRequired};
    case Errc::kPasskeyRefused:
      return {401, codes::kPasskeyRefused};
    case Errc::kNotConfigured:
      return {503, codes::kNotConfigured};
    case Errc::kInvalidLink:
      return {400, codes::kInvalidLink};
    case Errc::kEmailNotVerified:
      return {403, codes::kEmailNotVerified};
  }
  return {500, codes::kInternalError};
}

int http_status(auth::Errc code) { return errc_row(code).status; }

http::Response invalid_token_response() {
  http::Response res =
      http::problem(401, codes::kInvalidToken, "the access token is invalid, expired or revoked");
  res.headers.set("WWW-Authenticate", std::string(kWwwAuthenticateInvalidToken));
  return res;
}

http::Response error_response(const auth::Error& error) {
  using auth::Errc;
  const ErrcRow row = errc_row(error.code);
  std::string_view detail;
  switch (error.code) {
    case Errc::kInvalidCredentials:
      detail = kInvalidCredentialsDetail;
      break;
    case Errc::kRateLimited:  // the login limit's text unless the limiter said what it limits
      detail = error.detail.empty() ? std::string_view("too many failed attempts; try again later")
                                    : std::string_view(error.detail);
      break;
    case Errc::kConcurrencyLimited:
      detail =
          "too many login attempts in progress for this account or from this address; retry "
          "shortly";
      break;
    case Errc::kEmailTaken:
      detail = "that email is already registered";
      break;
    case Errc::kWeakPassword:
      detail = error.detail.empty() ? std::string_view("the password is too weak")
                                    : std::string_view(error.detail);
      break;
    case Errc::kBadInput:
      detail = error.detail.empty() ? std::string_view("the request is malformed")
                                    : std::string_view(error.detail);
      break;
    case Errc::kUnauthenticated:
      detail = "authentication required";
      break;
    case Errc::kForbidden:
      detail =
          error.detail.empty() ? std::string_view("not allowed") : std::string_view(error.detail);
      break;
    case Errc::kBusy:
      detail = "the server is busy; try again shortly";
      break;
    case Errc::kUnavailable:
      detail = "a backing store is unavailable; try again later";
      break;
    case Errc::kNotFound:
      detail = "not found";
      break;
    case Errc::kInternal:
      detail = "internal error";
      break;
    case Errc::kStepUpRequired:
      return step_up_response(error.max_age);
    case Errc::kConflict:
      detail = error.detail.empty() ? std::string_view("that conflicts with what exists")
                                    : std::string_view(error.detail);
      break;
    // The second-factor refusals name themselves in an `error` member, so pages and clients
    // can react (ask for the code again, start the login again, show the enrolment).
    case Errc::kInvalidCode:
      return coded_problem(error.code, "the code is not valid");
    case Errc::kInvalidMfaToken:
      return coded_problem(error.code, "the sign-in expired or was already completed; start again");
    case Errc::kMfaEnrollmentRequired:
      return coded_problem(
          error.code,
          "your account must have a second factor: set one up before doing anything else");
    case Errc::kPasskeyRefused:
      detail = kPasskeyRefusedDetail;
      break;
    case Errc::kNotConfigured:
      detail = error.detail.empty() ? std::string_view("this feature is not configured")
                                    : std::string_view(error.detail);
      break;
    case Errc::kEmailNotVerified:  // named, so a page can say what to do
      return coded_problem(error.code,
                           error.detail.empty()
                               ? std::string_view("confirm your email address before you sign in")
                               : std::string_view(error.detail));
    case Errc::kInvalidLink:  // named, so a page can offer a new link
      return coded_problem(error.code, error.detail.empty()
                                           ? std::string_view("the link is not valid")
                                           : std::string_view(error.detail));
  }
  http::Response res = problem_with_challenge(row.status, row.code, detail);
  if (error.code == Errc::kRateLimited) {
    // RFC 9110 section 10.2.3: delay-seconds; at least 1 so clients never retry at once.
    res.headers.set("Retry-After", std::to_string(error.retry_after < 1 ? 1 : error.retry_after));
  } else if (error.code == Errc::kConcurrencyLimited || error.code == Errc::kBusy) {
    res.headers.set("Retry-After", "1");  // what holds it up ends within a password check
  }
  return res;
}

http::Response step_up_response(std::int64_t max_age) {
  constexpr std::string_view kError = http::codes::kStepUpRequired.value();
  const ErrcRow row = errc_row(auth::Errc::kStepUpRequired);
  http::Response res =
      http::problem(row.status, row.code, "this action needs a more recent sign-in; sign in again",
                    {{.name = "error", .text = kError},
                     {.name = "max_age", .number = max_age, .is_number = true}});
  res.headers.set("WWW-Authenticate",
                  std::string(kWwwAuthenticate) + R"(, error=")" + std::string(kError) +
                      R"(", error_description="A more recent authentication is required", )" +
                      "max_age=" + std::to_string(max_age));
  return res;
}

http::Response mfa_required_response(std::string_view mfa_token,
                                     std::span<const std::string> methods) {
  http::Response res =
      http::problem(401, codes::kMfaRequired, "a second factor is required to complete the sign-in",
                    {{.name = "error", .text = codes::kMfaRequired.value()},
                     {.name = "mfa_required", .is_true = true},
                     {.name = "mfa_token", .text = mfa_token},
                     {.name = "methods", .texts = methods, .is_array = true}});
  res.headers.set("WWW-Authenticate", std::string(kWwwAuthenticate));
  res.headers.set("Cache-Control", "no-store");
  return res;
}

http::Response problem_response(int status, http::ProblemCode code, std::string_view detail) {
  return problem_with_challenge(status, code, detail);
}

}  // namespace tessera::api
