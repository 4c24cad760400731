// Authentication of a request: the credential api/credentials.h chooses, checked by the
// service that minted it, then the CSRF rule (api/csrf_guard.h) for cookie credentials.
//   - Bearer token or access cookie: auth::AccessTokens::verify, then the user must still exist
//     and be enabled (auth::AuthService::token_user).
//   - Session cookie: auth::SessionService::authenticate_shared.
// Unknown, malformed, expired or revoked -> 401; a disabled or deleted user -> 401; one of our
// cookies sent twice -> 400 (ambiguous: api/credentials.h). Neither service ever adopts an id
// or token it did not mint. A refused cookie is cleared in the 401 (the session and CSRF
// cookies for a session, the access cookie alone for an access token: the refresh cookie may
// still be good).
//
// Thread-safe. REQUIRES: every referenced object outlives this one.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "api/browser_cookies.h"
#include "api/credentials.h"
#include "api/csrf_guard.h"
#include "auth/access_tokens.h"
#include "auth/auth_service.h"
#include "auth/second_factors.h"
#include "auth/sessions.h"
#include "base/clock.h"
#include "http/message.h"

namespace tessera::api {

// auth.require_mfa_roles (SPEC.md "Second factors and step-up"): a user with one of those roles
// and no second factor may use nothing but the enrolment endpoints. kEnforce refuses such a
// caller with 403 mfa_enrollment_required; kExempt is for the endpoints that must work before
// enrolment (GET /auth/me, logout, the /auth/mfa and passkey-registration routes, step-up).
// The check costs nothing for a caller whose authentication includes `mfa` or who has none of
// the roles; otherwise one read of the user's factors.
enum class MfaGate : std::uint8_t { kEnforce, kExempt };

class Authenticator {
 public:
  // `require_mfa_roles` empty: no gate.
  Authenticator(auth::AuthService& auth, auth::SessionService& sessions,
                auth::AccessTokens& access_tokens, auth::SecondFactors& factors,
                const BrowserCookies& cookies, const CsrfGuard& csrf, const base::Clock& clock,
                std::int64_t step_up_max_age, std::vector<std::string> require_mfa_roles);

  // The credential, checked, and the CSRF rule. The error is the response to send (400, 401,
  // 403 or 503).
  std::expected<Authenticated, http::Response> authenticate(const http::Request& req,
                                                            MfaGate gate = MfaGate::kEnforce) const;

  // authenticate(), then the step-up rule of sensitive actions (SPEC.md "Second factors and
  // step-up": password change, logout everywhere, removing a factor, admin endpoints): the
  // user must have proved a credential at most step_up_max_age seconds ago (a refresh or a
  // session touch never counts), else 401 insufficient_user_authentication (RFC 9470).
  std::expected<Authenticated, http::Response> authenticate_recent(
      const http::Request& req, MfaGate gate = MfaGate::kEnforce) const;
  // The step-up rule alone, for a caller already authenticated (and authorized: a caller who
  // may not act at all is told so, 403, before being asked to sign in again).
  std::expected<void, http::Response> require_recent(const Authenticated& a) const;

  std::int64_t step_up_max_age() const { return step_up_max_age_; }

  // The credential alone (reads: GET, the pages' viewer lookup). Same errors minus 403.
  std::expected<Authenticated, http::Response> authenticate_without_csrf(
      const http::Request& req, MfaGate gate = MfaGate::kEnforce) const;

  // The require_mfa_roles gate alone (see MfaGate).
  std::expected<void, http::Response> require_enrolled(const Authenticated& a) const;
  // Its two halves, for /auth/verify: whether a caller with these roles and methods must be
  // checked at all (no store read), and the check (one read: 403 mfa_enrollment_required
  // unless the user has a factor; 503 if the store cannot tell).
  bool enrolment_matters(const std::vector<std::string>& roles, const auth::Amr& methods) const;
  // Whether auth.require_mfa_roles names any role: when not, the gate costs nothing at all
  // (callers skip even working out the credential's methods).
  bool gates_anyone() const { return !require_mfa_roles_.empty(); }
  std::expected<void, http::Response> require_factor(const store::UserId& user) const;

 private:
  // The credential alone, before the CSRF rule and the gate.
  std::expected<Authenticated, http::Response> identify(const http::Request& req) const;
  // A Bearer token or access cookie -> Authenticated (401 invalid_token when refused).
  std::expected<Authenticated, http::Response> authenticate_token(std::string_view token,
                                                                  AuthMethod method) const;

  auth::AuthService& auth_;
  auth::SessionService& sessions_;
  auth::AccessTokens& access_tokens_;
  auth::SecondFactors& factors_;
  const BrowserCookies& cookies_;
  const CsrfGuard& csrf_;
  const base::Clock& clock_;
  std::int64_t step_up_max_age_;
  std::vector<std::string> require_mfa_roles_;
};

}  // namespace tessera::api
