// What every API handler shares: the services, the client's address, the credentials, and the
// CSRF rule (SPEC.md "Browser delivery").
//
// Authentication (authenticate()) accepts three credentials, looked for in this order:
//   1. `Authorization: Bearer <access token>` (native clients, services). When the header is
//      there it alone decides: a refused token is a 401, never a fall-back to cookies.
//   2. The __Host-tessera_session cookie (web.mode = "session"): SessionService::authenticate.
//   3. The __Host-tessera_access cookie (web.mode = "jwt"): TokenService::verify.
//   The Cookie header is read as http/cookies.h says: pairs that are not ours, nameless or
//   malformed ones included, are ignored (any page on a sibling domain can plant them). One of
//   our cookies sent twice (a sibling domain can add a second one: RFC 6265 section 8.6) is a
//   400 problem: the request is ambiguous, and guessing which cookie is meant is how
//   cookie-tossing attacks work. Unknown, malformed, expired or revoked -> 401; a disabled or
//   deleted user -> 401. Neither service ever adopts an id or token it did not mint.
//   A refused cookie is cleared in the 401 (the session and CSRF cookies for a session, the
//   access cookie alone for an access token: the refresh cookie may still be good).
//
// CSRF: cookie-authenticated unsafe requests (POST/PUT/PATCH/DELETE; RFC 9110 section 9.2.1)
// must pass BOTH checks, else 403:
//   a. Origin (or, when absent, Referer) is in web.allowed_origins (exact match after RFC 6454
//      serialization: "null", suffix look-alikes and other schemes never match);
//   b. the X-CSRF-Token header (or csrf_token form field) is the credential's CSRF token,
//      compared in constant time: for a session, the token stored (hashed) with it; for an
//      access cookie, TokenService::csrf_token of its family (a MAC of the sid). This is the
//      double-submit token bound to the credential: a value an attacker plants in the CSRF
//      cookie (from a sibling subdomain) never matches, and another session's token neither.
// Bearer-authenticated requests are exempt: a browser never attaches them by itself.
//
// Thread-safe after wiring (set_allowed_origins before serving).
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/auth_service.h"
#include "auth/hash_pool.h"
#include "auth/keyring.h"
#include "auth/sessions.h"
#include "auth/tokens.h"
#include "base/clock.h"
#include "http/client_ip.h"
#include "http/cookies.h"
#include "http/message.h"
#include "http/metrics.h"

namespace tessera::api {

// SPEC.md "Browser delivery": the cookies of both web modes.
inline constexpr std::string_view kSessionCookieName = "__Host-tessera_session";
inline constexpr std::string_view kCsrfCookieName = "__Host-tessera_csrf";
inline constexpr std::string_view kAccessCookieName = "__Host-tessera_access";
inline constexpr std::string_view kRefreshCookieName = "__Secure-tessera_refresh";
inline constexpr std::string_view kRefreshCookiePath = "/auth/refresh";

// What the browser's cookies carry (web.mode).
enum class WebMode { kSession, kJwt };

enum class AuthMethod { kSessionCookie, kAccessCookie, kBearer };

// Who a request is from and with what.
struct Authenticated {
  AuthMethod method = AuthMethod::kSessionCookie;
  store::User user;  // as stored now
  std::string sid;   // public id of the session, or the sid of the token's family
  // kSessionCookie only: the session (shared with the session cache, immutable) and the cookie
  // value (never logged, never echoed).
  std::shared_ptr<const auth::CurrentSession> session;
  std::string raw_session_id;
  // kAccessCookie and kBearer: what the access token says.
  std::shared_ptr<const auth::AccessPrincipal> access;

  bool by_cookie() const { return method != AuthMethod::kBearer; }
};

struct ApiOptions {
  // CSRF: origins allowed to send cookie-authenticated unsafe requests (see
  // app::effective_allowed_origins). Set before serving.
  std::vector<std::string> allowed_origins;
  http::SameSite same_site = http::SameSite::kLax;  // of the session, access and CSRF cookies
  WebMode mode = WebMode::kSession;                 // what POST /auth/login hands the browser
  // Where store-bound handlers (POST /auth/refresh; every store-bound handler when `offload`)
  // run, off the I/O threads; null: inline.
  auth::HashPool* store_pool = nullptr;
  // The stores are across a network (PostgreSQL, Redis): every handler that touches them runs
  // on store_pool (api/store_routes.h).
  bool offload = false;
};

class ApiContext {
 public:
  // REQUIRES: every referenced object outlives this context and the server using it.
  // `metrics` may be null (no counting).
  ApiContext(auth::AuthService& auth, auth::SessionService& sessions, auth::TokenService& tokens,
             auth::KeyringService& keyring, auth::AuditService& audit, const base::Clock& clock,
             http::TrustedProxies proxies, http::Metrics* metrics, ApiOptions options);

  auth::AuthService& auth() const { return auth_; }
  auth::SessionService& sessions() const { return sessions_; }
  auth::TokenService& tokens() const { return tokens_; }
  auth::KeyringService& keyring() const { return keyring_; }
  auth::AuditService& audit() const { return audit_; }
  const base::Clock& clock() const { return clock_; }
  const ApiOptions& options() const { return options_; }
  // Where store-bound handlers run (api/store_routes.h): the store pool when the stores are
  // across a network (options().offload), else null (inline).
  auth::HashPool* offload_pool() const { return options_.offload ? options_.store_pool : nullptr; }

  // Wiring only (the server's own URL is known once it is bound).
  void set_allowed_origins(std::vector<std::string> origins);

  // The client's IP (trusted proxies honoured) and User-Agent.
  auth::RequestContext request_context(const http::Request& req) const;

  // Steps 1-3 above. The error is the response to send (400, 401, 403 or 503).
  std::expected<Authenticated, http::Response> authenticate(const http::Request& req) const;

  // Steps 1-2 only (reads: GET, /auth/verify, the pages' viewer lookup). Same errors minus 403.
  std::expected<Authenticated, http::Response> authenticate_without_csrf(
      const http::Request& req) const;

  // The CSRF step for an already authenticated cookie credential (403 on failure); passes
  // for Bearer.
  std::expected<void, http::Response> check_csrf(const http::Request& req,
                                                 const Authenticated& who) const;
  // The origin half of the CSRF step (403 on failure).
  std::expected<void, http::Response> check_origin(const http::Request& req) const;

  // Login CSRF: a cross-site page must not log the victim into the attacker's account. A login
  // or signup is not cookie-authenticated, so the token check cannot apply; but when the
  // browser names the page's origin (Origin, or Referer without Origin) it must be allowed.
  // Non-browser clients (curl, native apps) send neither and pass.
  std::expected<void, http::Response> check_login_origin(const http::Request& req) const;

  // Set-Cookie values for a new session (session + CSRF cookies).
  std::vector<std::string> session_cookies(const auth::NewSession& s) const;
  // Set-Cookie values for a new or rotated token pair (web.mode = "jwt"): the access cookie
  // (Max-Age = the token's remaining life), the refresh cookie (Path=/auth/refresh,
  // SameSite=Strict, Max-Age = the family's remaining absolute life) and the CSRF cookie.
  std::vector<std::string> token_cookies(const auth::TokenPair& pair) const;
  // Set-Cookie values deleting the cookies of a credential (logout; a refused refresh): the
  // session and CSRF cookies for kSessionCookie; the access, refresh and CSRF cookies for
  // kAccessCookie; none for kBearer.
  std::vector<std::string> clearing_cookies(AuthMethod method) const;

  // Metrics (no-ops without metrics).
  void count_login(std::string_view result) const;
  // A failed login's metric: rate_limited, busy or failure.
  void count_login_failure(const auth::Error& e) const;
  void count_revocations(std::string_view kind, std::uint64_t n = 1) const;

 private:
  // A Bearer token or access cookie -> Authenticated (401 invalid_token when refused).
  std::expected<Authenticated, http::Response> authenticate_token(std::string_view token,
                                                                  AuthMethod method) const;

  auth::AuthService& auth_;
  auth::SessionService& sessions_;
  auth::TokenService& tokens_;
  auth::KeyringService& keyring_;
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

}  // namespace tessera::api
