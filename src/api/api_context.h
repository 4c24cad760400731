// What every API handler shares: the auth services, the client's address, and the pieces that
// each hold one rule of a request's authentication (SPEC.md "Browser delivery"):
//   api/credentials.h      which credential a request presents (Bearer, then cookies)
//   api/authenticator.h    checking it with the service that minted it
//   api/csrf_guard.h       the CSRF rule for cookie credentials, and login CSRF
//   api/browser_cookies.h  the Set-Cookie values of both web modes
// plus metrics and where store-bound handlers run.
//
// Thread-safe after wiring (set_allowed_origins before serving).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "api/access_rules.h"
#include "api/authenticator.h"
#include "api/browser_cookies.h"
#include "api/credentials.h"
#include "api/csrf_guard.h"
#include "api/oauth_errors.h"
#include "api/return_target.h"
#include "api/token_metrics.h"
#include "auth/access_tokens.h"
#include "auth/audit.h"
#include "auth/auth_service.h"
#include "auth/authorization.h"
#include "auth/client_authentication.h"
#include "auth/clients.h"
#include "auth/consents.h"
#include "auth/family_csrf.h"
#include "auth/federation/federation_service.h"
#include "auth/hash_pool.h"
#include "auth/id_tokens.h"
#include "auth/keyring.h"
#include "auth/lifecycle/account_lifecycle.h"
#include "auth/oauth_grants.h"
#include "auth/passkeys.h"
#include "auth/refresh_families.h"
#include "auth/revocation.h"
#include "auth/revocation_feed.h"
#include "auth/sessions.h"
#include "auth/token_introspection.h"
#include "base/clock.h"
#include "http/client_ip.h"
#include "http/cookies.h"
#include "http/message.h"
#include "http/metrics.h"

namespace tessera::api {

// What the browser's cookies carry (web.mode).
enum class WebMode { kSession, kJwt };

// The auth services the handlers call. REQUIRES: each outlives the context and the server.
struct ApiServices {
  auth::AuthService& auth;
  auth::SessionService& sessions;
  auth::AccessTokens& access_tokens;
  auth::RefreshFamilies& families;
  const auth::FamilyCsrf& family_csrf;
  auth::KeyringService& keyring;
  auth::AuditService& audit;
  auth::ClientService& clients;
  const base::Clock& clock;
  // OAuth 2.0 / OpenID Connect.
  auth::AuthorizationService& authorization;
  auth::ConsentService& consents;
  auth::OAuthGrants& oauth_grants;
  const auth::ClientAuthenticator& client_auth;
  auth::TokenIntrospection& introspection;
  auth::IdTokens& id_tokens;
  auth::SecondFactors& second_factors;
  // Passkeys (WebAuthn); its ceremonies answer kNotConfigured while it has no RP id.
  auth::PasskeyService& passkeys;
  auth::AccountLifecycle& lifecycle;
  // The revocation state and the feed that streams it to services (api/revocation_feed.h).
  auth::RevocationService& revocation;
  auth::RevocationFeed& revocation_feed;
  // Federated sign-in (api/federation_handlers.h); null: no [[federation.providers]].
  auth::federation::FederationService* federation = nullptr;
};

struct ApiOptions {
  http::SameSite same_site = http::SameSite::kLax;  // of the session, access and CSRF cookies
  WebMode mode = WebMode::kSession;                 // what POST /auth/login hands the browser
  // web.cookie_domain ("": host-only cookies): the cookies' names and Domain
  // (api/cookie_names.h), and the origins under it for CSRF and return targets.
  std::string cookie_domain;
  // Where store-bound handlers (POST /auth/refresh; every store-bound handler when `offload`)
  // run, off the I/O threads; null: inline.
  auth::HashPool* store_pool = nullptr;
  // The stores are across a network (PostgreSQL, Redis): every handler that touches them runs
  // on store_pool (api/store_routes.h).
  bool offload = false;
  // auth.step_up_max_age: how recent an authentication sensitive actions demand (seconds;
  // Authenticator::authenticate_recent).
  std::int64_t step_up_max_age = 600;
  // auth.require_mfa_roles (Authenticator, MfaGate).
  std::vector<std::string> require_mfa_roles;
  // [[access.rules]], compiled (/auth/verify: api/access_rules.h).
  AccessRules access_rules;
};

class ApiContext {
 public:
  // `metrics` may be null (no counting).
  ApiContext(ApiServices services, http::TrustedProxies proxies, http::Metrics* metrics,
             ApiOptions options);
  ApiContext(const ApiContext&) = delete;  // the pieces refer to each other
  ApiContext& operator=(const ApiContext&) = delete;

  auth::AuthService& auth() const { return services_.auth; }
  auth::SessionService& sessions() const { return services_.sessions; }
  auth::AccessTokens& access_tokens() const { return services_.access_tokens; }
  auth::RefreshFamilies& families() const { return services_.families; }
  const auth::FamilyCsrf& family_csrf() const { return services_.family_csrf; }
  auth::KeyringService& keyring() const { return services_.keyring; }
  auth::AuditService& audit() const { return services_.audit; }
  auth::ClientService& clients() const { return services_.clients; }
  const base::Clock& clock() const { return services_.clock; }
  auth::AuthorizationService& authorization() const { return services_.authorization; }
  auth::ConsentService& consents() const { return services_.consents; }
  auth::OAuthGrants& oauth_grants() const { return services_.oauth_grants; }
  const auth::ClientAuthenticator& client_auth() const { return services_.client_auth; }
  auth::TokenIntrospection& introspection() const { return services_.introspection; }
  auth::IdTokens& id_tokens() const { return services_.id_tokens; }
  auth::SecondFactors& second_factors() const { return services_.second_factors; }
  auth::PasskeyService& passkeys() const { return services_.passkeys; }
  auth::AccountLifecycle& lifecycle() const { return services_.lifecycle; }
  auth::RevocationService& revocation() const { return services_.revocation; }
  auth::RevocationFeed& revocation_feed() const { return services_.revocation_feed; }
  // Null when no provider is configured.
  auth::federation::FederationService* federation() const { return services_.federation; }
  const ApiOptions& options() const { return options_; }

  const Authenticator& credentials() const { return authenticator_; }
  const CsrfGuard& csrf() const { return csrf_; }
  const BrowserCookies& cookies() const { return cookies_; }

  // Where store-bound handlers run (api/store_routes.h): the store pool when the stores are
  // across a network (options().offload), else null (inline).
  auth::HashPool* offload_pool() const { return options_.offload ? options_.store_pool : nullptr; }

  // Wiring only (the server's own URL is known once it is bound): the origins allowed to send
  // cookie-authenticated unsafe requests (app::effective_allowed_origins); none until then. The
  // CSRF guard holds the list.
  void set_allowed_origins(std::vector<std::string> origins);
  // Wiring only: where users reach this server (server.public_url, else its own URL); the
  // login page is at `public_url` + "/login".
  void set_public_url(std::string_view public_url);

  // Where a browser may be sent back to after signing in (allowed origins and the cookie
  // domain, see above).
  const ReturnTargets& return_targets() const { return return_targets_; }
  // The login page's absolute URL ("" until set_public_url).
  const std::string& login_url() const { return login_url_; }
  // Where users reach this server, without a trailing '/' ("" until set_public_url).
  const std::string& public_url() const { return public_url_; }

  // The client's IP (trusted proxies honoured) and User-Agent.
  auth::RequestContext request_context(const http::Request& req) const;
  // Who did it, for the audit log: `user` (none before a sign-in) from request_context(req).
  auth::AuditActor audit_actor(const http::Request& req,
                               std::optional<store::UserId> user = std::nullopt) const;

  // Metrics (no-ops without metrics).
  void count_login(std::string_view result) const;
  // A failed login's metric: rate_limited, busy or failure.
  void count_login_failure(const auth::Error& e) const;
  void count_revocations(std::string_view kind, std::uint64_t n = 1) const;
  // The OAuth counters (http/metrics.h). `grant`, `error`, `outcome`: registered names only.
  void count_oauth_token(std::string_view grant) const;
  void count_oauth_error(OAuthErrc error) const;
  void count_oauth_authorization(std::string_view outcome) const;
  // Tokens handed out and refresh outcomes (api/token_metrics.h; no-ops without metrics).
  const TokenMetrics& token_metrics() const { return token_metrics_; }

 private:
  ApiServices services_;
  http::TrustedProxies proxies_;
  http::Metrics* metrics_;
  TokenMetrics token_metrics_;
  ApiOptions options_;
  BrowserCookies cookies_;
  CsrfGuard csrf_;
  Authenticator authenticator_;
  ReturnTargets return_targets_;
  std::string login_url_;
  std::string public_url_;
};

}  // namespace tessera::api
