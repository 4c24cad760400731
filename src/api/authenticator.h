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
#include <string_view>

#include "api/browser_cookies.h"
#include "api/credentials.h"
#include "api/csrf_guard.h"
#include "auth/access_tokens.h"
#include "auth/auth_service.h"
#include "auth/sessions.h"
#include "base/clock.h"
#include "http/message.h"

namespace tessera::api {

class Authenticator {
 public:
  Authenticator(auth::AuthService& auth, auth::SessionService& sessions,
                auth::AccessTokens& access_tokens, const BrowserCookies& cookies,
                const CsrfGuard& csrf, const base::Clock& clock, std::int64_t step_up_max_age);

  // The credential, checked, and the CSRF rule. The error is the response to send (400, 401,
  // 403 or 503).
  std::expected<Authenticated, http::Response> authenticate(const http::Request& req) const;

  // authenticate(), then the step-up rule of sensitive actions (SPEC.md "Second factors and
  // step-up": password change, logout everywhere, removing a factor, admin endpoints): the
  // user must have proved a credential at most step_up_max_age seconds ago (a refresh or a
  // session touch never counts), else 401 insufficient_user_authentication (RFC 9470).
  std::expected<Authenticated, http::Response> authenticate_recent(const http::Request& req) const;
  // The step-up rule alone, for a caller already authenticated (and authorized: a caller who
  // may not act at all is told so, 403, before being asked to sign in again).
  std::expected<void, http::Response> require_recent(const Authenticated& a) const;

  std::int64_t step_up_max_age() const { return step_up_max_age_; }

  // The credential alone (reads: GET, the pages' viewer lookup). Same errors minus 403.
  std::expected<Authenticated, http::Response> authenticate_without_csrf(
      const http::Request& req) const;

 private:
  // A Bearer token or access cookie -> Authenticated (401 invalid_token when refused).
  std::expected<Authenticated, http::Response> authenticate_token(std::string_view token,
                                                                  AuthMethod method) const;

  auth::AuthService& auth_;
  auth::SessionService& sessions_;
  auth::AccessTokens& access_tokens_;
  const BrowserCookies& cookies_;
  const CsrfGuard& csrf_;
  const base::Clock& clock_;
  std::int64_t step_up_max_age_;
};

}  // namespace tessera::api
