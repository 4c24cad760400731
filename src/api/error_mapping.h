// The ONE place that maps auth-domain errors to HTTP (DESIGN.md "detailed inside, bland
// outside"; the Envoy jwt_authn idea of one mapping function). Every non-OAuth error body is
// RFC 9457 problem+json {type, title, status, detail, code} (http/problem.h); the code of each
// Errc is its row in errc_row (snake_case of the name below, kInternal: internal_error,
// kStepUpRequired: insufficient_user_authentication; docs/errors.md). Every 401 built here
// (error_response or problem_response) carries `WWW-Authenticate: Bearer realm="tessera"`:
// RFC 9110 section 11.6.1 requires a challenge on a 401, and Bearer (RFC 6750 section 3) is
// the scheme API clients use.
//
//   Errc                 status  extra                  detail shown to the client
//   kInvalidCredentials  401     WWW-Authenticate       ONE fixed text for every cause (unknown
//                                                       email, wrong password, disabled user)
//   kRateLimited         429     Retry-After: seconds   Error::detail (what was limited, e.g.
//                                                       sign-ups) or fixed text (too many failures)
//   kConcurrencyLimited  429     Retry-After: 1         fixed text (too many in progress)
//   kEmailTaken          409                            fixed text (the CLI/admin only: signup
//                                                       never reports it)
//   kWeakPassword        422                            Error::detail (the policy's reason)
//   kBadInput            400                            Error::detail (what was malformed)
//   kUnauthenticated     401     WWW-Authenticate       fixed text
//   kForbidden           403                            Error::detail or fixed text
//   kBusy                503     Retry-After: 1         fixed text
//   kUnavailable         503                            fixed text (fail closed, never allow)
//   kNotFound            404                            fixed text
//   kInternal            500                            fixed text (the cause goes to the log)
//   kStepUpRequired      401     WWW-Authenticate with  fixed text; body members error and
//                                error= and max_age=    max_age (RFC 9470 section 3; the same
//                                                       for cookie and Bearer credentials)
//   kConflict            409                            Error::detail or fixed text
//   kInvalidCode         401     WWW-Authenticate       fixed text; error: "invalid_code"
//   kInvalidMfaToken     401     WWW-Authenticate       fixed text; error: "invalid_mfa_token"
//   kMfaEnrollmentRequired 403                          fixed text;
//                                                       error: "mfa_enrollment_required"
//   kPasskeyRefused      401     WWW-Authenticate       ONE fixed text for every cause
//   kNotConfigured       503                            Error::detail (what to configure) or
//                                                       fixed text
//
// Error::detail is by contract safe to show (auth/errors.h); for the bland codes it is
// ignored anyway, so no cause can leak through a detail set by mistake.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "auth/errors.h"
#include "http/message.h"
#include "http/problem_codes.h"

namespace tessera::api {

// The fixed body text of a failed login: every cause of kInvalidCredentials reads exactly this.
inline constexpr std::string_view kInvalidCredentialsDetail = "invalid email or password";

// The fixed body text of a refused passkey assertion, whatever the cause.
inline constexpr std::string_view kPasskeyRefusedDetail = "the passkey was not accepted";

// The challenge every 401 carries.
inline constexpr std::string_view kWwwAuthenticate = R"(Bearer realm="tessera")";

// The challenge of a 401 for a presented access token that was refused (RFC 6750 section 3.1).
inline constexpr std::string_view kWwwAuthenticateInvalidToken =
    R"(Bearer realm="tessera", error="invalid_token")";

// 401 for a presented access token (Bearer or access cookie) that is malformed, forged,
// expired or revoked: one bland detail for every cause, and the invalid_token challenge.
http::Response invalid_token_response();

// RFC 9470 section 3: 401 with `WWW-Authenticate: Bearer realm="tessera",
// error="insufficient_user_authentication", error_description="...", max_age=N` and the same
// error and max_age as members of the problem body (what cookie clients read).
http::Response step_up_response(std::int64_t max_age);

// SPEC.md "Second factors and step-up": the first step of a login succeeded and a second factor
// must follow: 401 {..., "error": "mfa_required", "mfa_required": true, "mfa_token", "methods"},
// Cache-Control: no-store (the token is a short-lived credential).
http::Response mfa_required_response(std::string_view mfa_token,
                                     std::span<const std::string> methods);

// One row of the Errc table: the status and the problem code (http/problem_codes.h) every
// problem for that Errc carries.
struct ErrcRow {
  int status = 500;
  http::ProblemCode code;
};

// The row for `code`: the ONE place an Errc's status and problem code are decided.
ErrcRow errc_row(auth::Errc code);

// The HTTP status for `code` (errc_row(code).status).
int http_status(auth::Errc code);

// The problem+json response for `error` (see the table above).
http::Response error_response(const auth::Error& error);

// A 400/403/415/... problem response for failures found in the api layer itself (malformed
// JSON, CSRF), so handlers build every error through this file. `code` names the failure
// (http/problem_codes.h; documented in docs/errors.md).
http::Response problem_response(int status, http::ProblemCode code, std::string_view detail);

}  // namespace tessera::api
