// What every API handler shares: the services, the client's address, the session cookie,
// and the CSRF rule (SPEC.md "Browser delivery").
//
// Authentication (authenticate()):
//   1. The Cookie header is parsed strictly (http/cookies.h). A malformed header, or a session
//      cookie sent twice (a sibling domain can add a second one: RFC 6265 section 8.6), is a 400
//      problem: the request is ambiguous, and guessing which cookie is meant is how
//      cookie-tossing attacks work.
//   2. The __Host-tessera_session value goes to SessionService::authenticate: unknown,
//      malformed, idle, expired, or a disabled user -> 401. The service never adopts an id it
//      did not mint (fixation).
//   3. Cookie-authenticated unsafe requests (POST/PUT/PATCH/DELETE; RFC 9110 section 9.2.1)
//      must pass BOTH CSRF checks, else 403:
//        a. Origin (or, when absent, Referer) is in web.allowed_origins (exact match after
//           RFC 6454 serialization: "null", suffix look-alikes and other schemes never match);
//        b. the X-CSRF-Token header (or csrf_token form field) is this session's CSRF token,
//           compared in constant time by the session service. This is the double-submit
//           token bound to the session: a value an attacker plants in the CSRF cookie (from a
//           sibling subdomain) never matches, and another session's token neither.
//      Bearer-authenticated requests (Authorization: Bearer, the JWT issue) are exempt: a
//      browser never attaches them by itself. AuthMethod records which one authenticated.
//
// Thread-safe after wiring (set_allowed_origins before serving).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/auth_service.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "base/clock.h"
#include "http/client_ip.h"
#include "http/cookies.h"
#include "http/message.h"
#include "http/metrics.h"

namespace tessera::api {

// SPEC.md "Browser delivery": the session and CSRF cookies of web.mode = "session".
inline constexpr std::string_view kSessionCookieName = "__Host-tessera_session";
inline constexpr std::string_view kCsrfCookieName = "__Host-tessera_csrf";

enum class AuthMethod { kSessionCookie, kBearer };

struct Authenticated {
  auth::CurrentSession current;
  std::string raw_session_id;  // the cookie value (never logged, never echoed)
  AuthMethod method = AuthMethod::kSessionCookie;
};

struct ApiOptions {
  // CSRF: origins allowed to send cookie-authenticated unsafe requests (see
  // app::effective_allowed_origins). Set before serving.
  std::vector<std::string> allowed_origins;
  http::SameSite same_site = http::SameSite::kLax;  // of the session and CSRF cookies
};

class ApiContext {
 public:
  // REQUIRES: every referenced object outlives this context and the server using it.
  // `metrics` may be null (no counting).
  ApiContext(auth::AuthService& auth, auth::SessionService& sessions, auth::TokenService& tokens,
             auth::AuditService& audit, const base::Clock& clock, http::TrustedProxies proxies,
             http::Metrics* metrics, ApiOptions options);

  auth::AuthService& auth() const { return auth_; }
  auth::SessionService& sessions() const { return sessions_; }
  auth::TokenService& tokens() const { return tokens_; }
  auth::AuditService& audit() const { return audit_; }
  const base::Clock& clock() const { return clock_; }
  const ApiOptions& options() const { return options_; }

  // Wiring only (the server's own URL is known once it is bound).
  void set_allowed_origins(std::vector<std::string> origins);

  // The client's IP (trusted proxies honoured) and User-Agent.
  auth::RequestContext request_context(const http::Request& req) const;

  // Steps 1-3 above. The error is the response to send (400, 401, 403 or 503).
  std::expected<Authenticated, http::Response> authenticate(const http::Request& req) const;

  // Steps 1-2 only (reads: GET, /auth/verify, the pages' viewer lookup). Same errors minus 403.
  std::expected<Authenticated, http::Response> authenticate_without_csrf(
      const http::Request& req) const;

  // Step 3 for an already authenticated session (403 on failure).
  std::expected<void, http::Response> check_csrf(const http::Request& req,
                                                 const store::Session& session) const;

  // Login CSRF: a cross-site page must not log the victim into the attacker's account. A login
  // or signup is not cookie-authenticated, so the token check cannot apply; but when the
  // browser names the page's origin (Origin, or Referer without Origin) it must be allowed.
  // Non-browser clients (curl, native apps) send neither and pass.
  std::expected<void, http::Response> check_login_origin(const http::Request& req) const;

  // Set-Cookie values for a new session, and for clearing both cookies.
  std::vector<std::string> session_cookies(const auth::NewSession& s) const;
  std::vector<std::string> clearing_cookies() const;

  // Metrics (no-ops without metrics).
  void count_login(std::string_view result) const;
  // A failed login's metric: rate_limited, busy or failure.
  void count_login_failure(const auth::Error& e) const;
  void count_revocations(std::string_view kind, std::uint64_t n = 1) const;

 private:
  auth::AuthService& auth_;
  auth::SessionService& sessions_;
  auth::TokenService& tokens_;
  auth::AuditService& audit_;
  const base::Clock& clock_;
  http::TrustedProxies proxies_;
  http::Metrics* metrics_;
  ApiOptions options_;
};

// The access token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1: scheme
// case-insensitive, one space, a b64token). nullopt when there is no Authorization field; an
// error (the 401 to send) when there are several, another scheme, or a malformed token.
std::expected<std::optional<std::string_view>, http::Response> bearer_token(
    const http::Request& req);

// The session cookie's value from `req`'s Cookie header: the raw value, "" when absent, or an
// error (400) for a malformed header or a duplicate/invalid session cookie.
std::expected<std::string_view, http::Response> session_cookie(const http::Request& req,
                                                               const http::Cookies& jar);

}  // namespace tessera::api
