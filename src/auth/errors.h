// The auth domain's one error type (DESIGN.md: one error type at module boundaries).
//
// Detailed inside, bland outside: the api layer maps Errc to HTTP in ONE place and shows
// clients only `Error::detail` (always safe to show) or a fixed message per code. In particular
// kInvalidCredentials covers unknown email, wrong password AND disabled account alike: the
// client must get the same status, body and (thanks to the dummy hash) time for all three;
// kPasskeyRefused does the same for every cause of a refused passkey assertion.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "store/types.h"

namespace tessera::auth {

enum class Errc : std::uint8_t {
  kInvalidCredentials,     // login failed: unknown email, wrong password or disabled user (401)
  kRateLimited,            // too many failures; Error::retry_after says for how long (429)
  kConcurrencyLimited,     // under the failure limit, but as many attempts on the account as it
                           // has guesses left are still running: retry in a second (429)
  kEmailTaken,             // the email exists (AuthService::signup hides it; the CLI says so)
  kWeakPassword,           // password policy refused the new password; detail says why (400/422)
  kBadInput,               // malformed email, empty or oversize password, bad role name (400)
  kUnauthenticated,        // no valid session: missing, malformed, unknown, expired (401)
  kForbidden,              // not allowed: wrong role, signup closed, CSRF mismatch (403)
  kBusy,                   // the hashing pool's queue is full: try again shortly (503)
  kUnavailable,            // a store cannot be reached: fail closed, never "allow" (503)
  kNotFound,               // the named record (user, session) does not exist (404)
  kInternal,               // a bug or corrupt stored value (500); never caused by input
  kStepUpRequired,         // a sensitive action, and the authentication is older than max_age
                           // (RFC 9470): 401 insufficient_user_authentication
  kConflict,               // the request clashes with what exists (a factor already enrolled,
                           // a credential already registered); detail says what (409)
  kInvalidCode,            // a second factor was presented and is wrong, used or not enrolled:
                           // a TOTP code, a recovery code (401 invalid_code)
  kInvalidMfaToken,        // the mfa_token of a two-step login is forged, expired or used: the
                           // login starts again (401 invalid_mfa_token)
  kMfaEnrollmentRequired,  // auth.require_mfa_roles: the user must enrol a second factor before
                           // anything else (403 mfa_enrollment_required)
  kPasskeyRefused,         // a passkey assertion was not accepted, whatever the cause (forged,
                           // replayed, unknown or another user's credential, disabled user): the
                           // cause goes to the audit log, never to the client (401)
  kNotConfigured,          // the feature is off in this deployment; detail says what to set (503)
  kInvalidLink,            // an emailed link's token is unknown, used, expired or no longer
                           // applies; detail says which in words a person understands (400
                           // invalid_link)
  kEmailNotVerified,       // auth.require_verified_email: the user must confirm their address
                           // first (403 email_not_verified); detail says whether a link was sent
};

// The last enumerator: a new Errc goes before this line and this names it, so tests can walk
// every code (api/problem_codes_test.cc: every Errc has a problem code).
inline constexpr Errc kLastErrc = Errc::kEmailNotVerified;

// Short description of the code for logs ("invalid credentials").
std::string_view describe(Errc c);

struct Error {
  Errc code = Errc::kInternal;
  // kRateLimited and kConcurrencyLimited only: whole seconds until a retry can succeed (>= 1),
  // for Retry-After.
  std::int64_t retry_after = 0;
  // kStepUpRequired only: the max_age the action demands (RFC 9470 section 3), in seconds.
  std::int64_t max_age = 0;
  // Safe to show a client (never a secret, never which of the bland causes applied). Empty:
  // the api uses its fixed message for `code`.
  std::string detail;

  friend bool operator==(const Error&, const Error&) = default;
};

// "rate limited (retry after 60 s)": code description plus detail, for logs.
std::string describe(const Error& e);

// The domain error for a store failure: kUnavailable -> kUnavailable, kNotFound -> kNotFound,
// anything else (kConflict where unexpected, kCorrupt) -> kInternal.
Error from_store(store::StoreError e);

inline Error make_error(Errc code, std::string detail = {}) {
  return Error{.code = code, .retry_after = 0, .max_age = 0, .detail = std::move(detail)};
}

}  // namespace tessera::auth
