// The catalogue of problem codes: the stable, machine-readable `code` member every
// problem+json body carries (issue 19; docs/errors.md lists them, and a test checks it lists
// every one below). A client switches on the code, never on the detail's words, which may change.
//
// Contract: a code, once published, keeps its name and meaning; new codes are added, never
// renamed. Codes are snake_case. One code may be sent with more than one status only where the
// table in docs/errors.md says so. The auth-domain codes (one per auth::Errc) are chosen in
// api/error_mapping.cc; the rest where the problem is built (the http layer's own refusals, the
// api layer's checks of the request's shape).
#pragma once

#include <array>
#include <string_view>

namespace tessera::http {

// A problem code: only the constants below exist, so every problem names one of them.
class ProblemCode {
 public:
  consteval explicit ProblemCode(std::string_view value) : value_(value) {}
  constexpr std::string_view value() const { return value_; }
  friend constexpr bool operator==(ProblemCode, ProblemCode) = default;

 private:
  std::string_view value_;
};

namespace codes {

// The auth domain (auth::Errc, mapped in api/error_mapping.cc).
inline constexpr ProblemCode kInvalidCredentials{"invalid_credentials"};
inline constexpr ProblemCode kRateLimited{"rate_limited"};
inline constexpr ProblemCode kConcurrencyLimited{"concurrency_limited"};
inline constexpr ProblemCode kEmailTaken{"email_taken"};
inline constexpr ProblemCode kWeakPassword{"weak_password"};
inline constexpr ProblemCode kBadInput{"bad_input"};
inline constexpr ProblemCode kUnauthenticated{"unauthenticated"};
inline constexpr ProblemCode kForbidden{"forbidden"};
inline constexpr ProblemCode kBusy{"busy"};
inline constexpr ProblemCode kUnavailable{"unavailable"};
inline constexpr ProblemCode kNotFound{"not_found"};
inline constexpr ProblemCode kInternalError{"internal_error"};
inline constexpr ProblemCode kStepUpRequired{"insufficient_user_authentication"};
inline constexpr ProblemCode kConflict{"conflict"};
inline constexpr ProblemCode kInvalidCode{"invalid_code"};
inline constexpr ProblemCode kInvalidMfaToken{"invalid_mfa_token"};
inline constexpr ProblemCode kMfaEnrollmentRequired{"mfa_enrollment_required"};
inline constexpr ProblemCode kPasskeyRefused{"passkey_refused"};
inline constexpr ProblemCode kNotConfigured{"not_configured"};
inline constexpr ProblemCode kInvalidLink{"invalid_link"};
inline constexpr ProblemCode kEmailNotVerified{"email_not_verified"};

// Credentials and access outside the Errc mapping.
inline constexpr ProblemCode kInvalidToken{"invalid_token"};
inline constexpr ProblemCode kMfaRequired{"mfa_required"};
inline constexpr ProblemCode kAccessDenied{"access_denied"};
inline constexpr ProblemCode kCsrfFailed{"csrf_failed"};

// The request's shape, found by the api layer.
inline constexpr ProblemCode kMalformedJson{"malformed_json"};
inline constexpr ProblemCode kUnsupportedMediaType{"unsupported_media_type"};
inline constexpr ProblemCode kBadQuery{"bad_query"};
inline constexpr ProblemCode kDuplicateCookie{"duplicate_cookie"};

// The http layer's own answers.
inline constexpr ProblemCode kMalformedRequest{"malformed_request"};
inline constexpr ProblemCode kBodyTooLarge{"body_too_large"};
inline constexpr ProblemCode kHeaderTooLarge{"header_too_large"};
inline constexpr ProblemCode kRouteNotFound{"route_not_found"};
inline constexpr ProblemCode kMethodNotAllowed{"method_not_allowed"};
inline constexpr ProblemCode kTimeout{"timeout"};
inline constexpr ProblemCode kNotReady{"not_ready"};

// Every code above, for the test that docs/errors.md documents them all.
inline constexpr std::array kAll = {
    kInvalidCredentials,
    kRateLimited,
    kConcurrencyLimited,
    kEmailTaken,
    kWeakPassword,
    kBadInput,
    kUnauthenticated,
    kForbidden,
    kBusy,
    kUnavailable,
    kNotFound,
    kInternalError,
    kStepUpRequired,
    kConflict,
    kInvalidCode,
    kInvalidMfaToken,
    kMfaEnrollmentRequired,
    kPasskeyRefused,
    kNotConfigured,
    kInvalidLink,
    kEmailNotVerified,
    kInvalidToken,
    kMfaRequired,
    kAccessDenied,
    kCsrfFailed,
    kMalformedJson,
    kUnsupportedMediaType,
    kBadQuery,
    kDuplicateCookie,
    kMalformedRequest,
    kBodyTooLarge,
    kHeaderTooLarge,
    kRouteNotFound,
    kMethodNotAllowed,
    kTimeout,
    kNotReady,
};

}  // namespace codes
}  // namespace tessera::http
