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
                const CsrfGuard& csrf, const base::Clock& clock);

  // The credential, checked, and the CSRF rule. The error is the response to send (400, 401,
  // 403 or 503).
  std::expected<Authenticated, http::Response> authenticate(const http::Request& req) const;

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
};

}  // namespace tessera::api
