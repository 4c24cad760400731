#include "app/app.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "api/account_forms.h"
#include "api/account_handlers.h"
#include "api/admin_clients.h"
#include "api/admin_handlers.h"
#include "api/admin_users.h"
#include "api/auth_handlers.h"
#include "api/connected_apps.h"
#include "api/federation_handlers.h"
#include "api/mfa_handlers.h"
#include "api/oauth_authorize.h"
#include "api/oauth_discovery.h"
#include "api/oauth_introspection.h"
#include "api/oauth_logout.h"
#include "api/oauth_token.h"
#include "api/oauth_userinfo.h"
#include "api/passkey_handlers.h"
#include "api/passkey_login.h"
#include "api/revocation_feed.h"
#include "api/store_routes.h"
#include "api/token_handlers.h"
#include "api/verify_handler.h"
#include "api/web_pages.h"
#include "app/admin_listener.h"
#include "app/data_dir.h"
#include "app/server_metrics.h"
#include "app/services.h"
#include "app/startup_warnings.h"
#include "http/listen_address.h"
#include "http/log.h"
#include "http/server.h"

namespace tessera::app {
namespace {

// Liveness: the process answers HTTP. (Readiness, /readyz, asks the stores: Probes::ready.)
http::Response healthz(const http::Request&) {
  return http::make_response(200, R"({"status":"ok"})");
}

// RFC 7517 section 5 JWK Set, public members only; media type per RFC 7517 section 8.5.1.
// Cacheable for keys.jwks_max_age: a rotated-in key is published (state "next") before it
// signs, so a verifier's cached copy never rejects a valid token.
http::Handler jwks(JwksSource source) {
  const std::string cache_control = "public, max-age=" + std::to_string(source.max_age);
  return [source = std::move(source), cache_control](const http::Request&) {
    http::Response res = http::make_response(200, source.json(), "application/jwk-set+json");
    res.headers.set("Cache-Control", cache_control);
    return res;
  };
}

std::string key_ids(const auth::KeyringService& keyring) {
  std::string out;
  for (const auth::KeyInfo& k : keyring.list()) {
    out += (out.empty() ? "" : ",") + k.kid + ":" + std::string(store::to_string(k.state));
  }
  return out;
}

// The server's limits from [server]; the body limit stays SPEC.md's 64 KiB.
http::ServerLimits server_limits(const Config& config) {
  const Config::Server& c = config.server;
  http::ServerLimits limits;
  limits.max_header_bytes = c.max_header_bytes;
  limits.read_timeout = c.read_timeout;
  limits.write_timeout = c.write_timeout;
  limits.idle_timeout = c.idle_timeout;
  limits.handler_timeout = c.handler_timeout;
  limits.drain_timeout = c.drain_timeout;
  limits.max_connections = c.max_connections;
  limits.max_connections_per_client = c.max_connections_per_client;
  limits.io_threads = c.threads;
  return limits;
}

// Background upkeep, on one thread until stopped:
//   every `tick` (250 ms), and at once when wake() says another process changed something
//     (a ChangeFeed hint): follow other processes' changes - the keyring (a CLI `keys rotate`,
//     another node) and the revocation log (a CLI `user revoke`, another node) - so they take
//     effect here within a second, and rotate the keys when keys.rotate_every says so;
//   every `purge_every`: delete expired sessions, denylist entries, refresh families and
//     account-lifecycle tokens (expiry is enforced at every lookup anyway; this only reclaims
//     space), and, past `retention` (audit.retention; 0: never), audit events and finished
//     mails (the log cannot fill the disk).
// Failures are logged and retried at the next tick; the revocation service fails closed by
// itself when it cannot follow the log for long (auth/revocation.h).
class Maintenance {
 public:
  // `ready` is what /readyz reports: asked here, once per tick, so that a probe never waits on
  // a store round trip (or its timeout, when the store is down) on an I/O thread.
  struct Periods {
    std::chrono::milliseconds tick;
    std::chrono::seconds purge_every;
    std::chrono::seconds retention;  // 0: audit events and finished mails are kept
  };
  Maintenance(Services& s, Periods periods, std::function<bool()> ready)
      : ready_check_(std::move(ready)),
        ready_(ready_check_()),  // known before the server serves its first probe
        thread_([this, &s, periods] { run(s, periods); }) {}
  ~Maintenance() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // The readiness found at the last tick (false until the first one). Any thread.
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  // Runs the follow step now rather than at the next tick; with `reload`, reloads the whole
  // revocation state instead of following the log from where it was (after the change feed
  // reconnected: the cache may have restarted and renumbered its log). Cheap; callable from
  // any thread (a ChangeFeed callback).
  void wake(bool reload = false) {
    {
      std::lock_guard lock(mu_);
      woken_ = true;
      reload_ = reload_ || reload;
    }
    cv_.notify_all();
  }

 private:
  static void warn(std::string_view what, const auth::Error& e) {
    http::log_event(http::LogLevel::kWarn, what, {{"error", auth::describe(e)}});
  }
  static void warn(std::string_view what, store::StoreError e) { warn(what, auth::from_store(e)); }

  // The purges of one round (see the class comment); each failure is logged and retried at the
  // next round. Returns whether the audit log has more to purge right away: then the next round
  // comes at the next tick, so that a backlog (a first start with a retention, a lowered one)
  // goes in one batch per tick and never keeps this thread from following the revocation log.
  static bool purge(Services& s, std::chrono::seconds retention) {
    const std::int64_t now = s.clock.now_unix();
    if (auto n = s.sessions->purge(now); !n) warn("session purge failed", n.error());
    if (auto n = s.revocation->purge(); !n) warn("denylist purge failed", n.error());
    if (auto n = s.families->purge(); !n) warn("refresh family purge failed", n.error());
    if (auto n = s.authorization->purge(); !n) warn("authorization code purge failed", n.error());
    if (auto n = s.stores.account_tokens->purge_expired(now); !n) {
      warn("account token purge failed", n.error());
    }
    if (retention.count() == 0) return false;
    const std::int64_t before = now - retention.count();
    if (auto n = s.stores.outbox->purge(before); !n) warn("outbox purge failed", n.error());
    auto n = s.audit->purge_older_than(before, /*max_batches=*/1);
    if (!n) {
      warn("audit purge failed", n.error());
      return false;
    }
    if (n->deleted > 0) {
      http::log_event(http::LogLevel::kInfo, "audit events purged",
                      {{"count", std::to_string(n->deleted)}, {"before", std::to_string(before)}});
    }
    return n->more;
  }

  // Tells the revocation feed when the key ring's version moved (a rotation here, by the CLI
  // or on another node), so that services fetch JWKS again at once.
  static void announce_keys(Services& s, std::int64_t& seen_version) {
    const std::int64_t version = s.keyring->current()->version;
    if (version == seen_version) return;
    seen_version = version;
    s.revocation_feed->keys_changed();
  }

  void run(Services& s, Periods periods) {
    auto next_purge = std::chrono::steady_clock::now();  // the first round purges at once
    std::int64_t keys_version = s.keyring->current()->version;
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait_for(lock, periods.tick, [this] { return stopping_ || woken_; });
      if (stopping_) break;
      woken_ = false;
      const bool reload = std::exchange(reload_, false);
      lock.unlock();
      if (auto r = s.keyring->refresh(); !r) warn("keyring refresh failed", r.error());
      if (auto r = reload ? s.revocation->start() : s.revocation->poll(); !r) {
        warn(reload ? "revocation state reload failed" : "revocation log poll failed", r.error());
      }
      ready_.store(ready_check_(), std::memory_order_release);
      if (auto r = s.keyring->maybe_rotate(); !r) {
        warn("automatic key rotation failed", r.error());
      } else if (*r) {
        (void)s.audit->record(auth::AuditType::kKeysRotated, s.clock.now_unix(), {},
                              {{"emergency", false}, {"by", "schedule"}});
        http::log_event(http::LogLevel::kInfo, "keys rotated", {{"by", "schedule"}});
      }
      announce_keys(s, keys_version);
      if (std::chrono::steady_clock::now() >= next_purge) {
        const bool more = purge(s, periods.retention);
        next_purge = std::chrono::steady_clock::now() + (more ? periods.tick : periods.purge_every);
      }
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = true;      // guarded by mu_; true: the first round runs at once
  bool reload_ = false;    // guarded by mu_
  std::function<bool()> ready_check_;
  std::atomic<bool> ready_{false};
  std::thread thread_;  // last: starts after the members it uses exist
};

// The pages' "who is signed in" (api/web_pages.h): the session or access cookie, without CSRF
// (GET). A user who must set up a second factor first (auth.require_mfa_roles) is signed in
// for the pages too: the account page is where the enrolment is done.
api::ViewerLookup viewer_lookup(const api::ApiContext& ctx) {
  return [&ctx](const http::Request& req) -> std::optional<api::Viewer> {
    auto a = ctx.credentials().authenticate_without_csrf(req, api::MfaGate::kExempt);
    if (!a) return std::nullopt;
    auto enrolled = ctx.credentials().require_enrolled(*a);
    const store::User& u = a->user;
    return api::Viewer{.user_id = store::to_uuid(u.id),
                       .email = u.email,
                       .roles = u.roles,
                       .must_enrol = !enrolled && enrolled.error().status == 403,
                       .email_verified = u.email_verified};
  };
}

// Which routes answer cross-origin scripts (http/cors.h; docs/integration.md "CORS"): the JSON
// API under /auth/ and the OAuth endpoints a browser app calls, with credentials, for the listed
// origins; the public metadata under /.well-known/ (JWKS, discovery), for any origin. Not
// /admin/* (the operator's, from the server's own pages), not the HTML pages nor the OAuth
// navigations (authorize, consent, logout: top-level pages, not fetches), and not
// /oauth2/introspect (resource servers call it, with a client secret, never a browser).
http::CorsScope cors_scope(std::string_view path) {
  if (path.starts_with("/.well-known/")) return http::CorsScope::kPublic;
  // Federated sign-in's start and callback are navigations (links and the provider's redirect).
  if (path.starts_with("/auth/federation/") &&
      (path.ends_with("/start") || path.ends_with("/callback"))) {
    return http::CorsScope::kNone;
  }
  if (path.starts_with("/auth/") || path == "/oauth2/token" || path == "/oauth2/userinfo" ||
      path == "/oauth2/revoke") {
    return http::CorsScope::kCredentialed;
  }
  return http::CorsScope::kNone;
}

// The API's context over the services, with the options the configuration decides.
std::unique_ptr<api::ApiContext> make_api_context(const Config& config, Services& s,
                                                  const http::TrustedProxies& proxies,
                                                  http::Metrics* metrics) {
  return std::make_unique<api::ApiContext>(
      api::ApiServices{.auth = *s.auth,
                       .sessions = *s.sessions,
                       .access_tokens = *s.access_tokens,
                       .families = *s.families,
                       .family_csrf = *s.family_csrf,
                       .keyring = *s.keyring,
                       .audit = *s.audit,
                       .clients = *s.clients,
                       .clock = s.clock,
                       .authorization = *s.authorization,
                       .consents = *s.consents,
                       .oauth_grants = *s.oauth_grants,
                       .client_auth = *s.client_auth,
                       .introspection = *s.introspection,
                       .id_tokens = *s.id_tokens,
                       .second_factors = *s.second_factors,
                       .passkeys = *s.passkeys,
                       .lifecycle = *s.lifecycle,
                       .revocation = *s.revocation,
                       .revocation_feed = *s.revocation_feed,
                       .federation = s.federation.get()},
      proxies, metrics,
      api::ApiOptions{
          .same_site =
              config.web.same_site == "strict" ? http::SameSite::kStrict : http::SameSite::kLax,
          .mode = config.web.mode == "jwt" ? api::WebMode::kJwt : api::WebMode::kSession,
          .cookie_domain = config.web.cookie_domain,
          .store_pool = s.store_pool.get(),
          .offload = networked_stores(config),
          .step_up_max_age = config.auth.step_up_max_age.count(),
          .require_mfa_roles = config.auth.require_mfa_roles,
          .access_rules = api::AccessRules(access_rule_specs(config.access_rules))});
}

// Liveness and readiness: on every listener.
void add_probe_routes(http::Router& router, const Probes& probes) {
  router.add("GET", "/healthz", healthz);
  if (!probes.unavailable_providers) {
    router.add("GET", "/readyz", http::readiness_handler(probes.ready));
    return;
  }
  // Ready with federated sign-in: an upstream provider that cannot be reached does not make
  // the server unready (everything else works), but the answer names it.
  router.add("GET", "/readyz",
             [base = http::readiness_handler(probes.ready),
              unavailable = probes.unavailable_providers](const http::Request& req) {
               http::Response res = base(req);
               if (res.status != 200) return res;
               const std::vector<std::string> ids = unavailable();
               if (ids.empty()) return res;
               nlohmann::json body = {{"status", "ready"}, {"unavailable_providers", ids}};
               return http::make_response(200, body.dump());
             });
}

// The operator's routes: /metrics (when probes.metrics) and the admin API (when `api`).
void add_operator_routes(http::Router& router, const Probes& probes, const api::ApiContext* api) {
  if (probes.metrics != nullptr) {
    router.add("GET", "/metrics", http::metrics_handler(*probes.metrics));
  }
  if (api == nullptr) return;
  api::add_admin_routes(router, *api);         // /admin/audit, /admin/keys
  api::add_admin_user_routes(router, *api);    // /admin/users
  api::add_admin_client_routes(router, *api);  // /admin/clients
}

}  // namespace

JwksSource static_jwks(const jose::Jwks& keys) {
  return JwksSource{.json = [body = keys.to_json()] { return body; }, .max_age = 300};
}

api::WebPagesOptions page_options(const Config& config) {
  api::WebPagesOptions pages;
  pages.open_signup = config.auth.open_signup;
  pages.email_enabled = config.email.enabled();
  pages.password_min_length = config.auth.password_min_length;
  return pages;
}

http::Router make_router(JwksSource jwks_source, const Probes& probes, const api::ApiContext* api,
                         api::WebPagesOptions pages, const std::vector<std::string>& cors_origins) {
  http::Router router;
  if (!cors_origins.empty()) {  // else no route is wrapped: CORS costs nothing when off
    router.use_cors(std::make_shared<const http::CorsPolicy>(cors_origins), cors_scope);
  }
  add_probe_routes(router, probes);
  if (probes.operator_routes) add_operator_routes(router, probes, nullptr);
  router.add("GET", "/.well-known/jwks.json", jwks(std::move(jwks_source)));
  if (api == nullptr) {
    api::add_web_routes(router, std::move(pages));  // GET /, /login, /account, /static/*, ...
    return router;
  }
  pages.viewer = viewer_lookup(*api);
  pages.cookies = api->cookies().names();
  pages.return_target_allowed = [api](std::string_view t) {
    return api->return_targets().allows(t);
  };
  if (auto* federation = api->federation()) {
    pages.federation_buttons = [federation] {
      std::vector<api::FederationButton> buttons;
      for (const auto& p : federation->providers()) {
        buttons.push_back({.id = p.id, .name = p.name, .available = p.available});
      }
      return buttons;
    };
  }
  pages.add_viewer_route = [&router, api](const std::string& method, const std::string& path,
                                          http::Handler h) {
    api::add_store_route(router, api->offload_pool(), method, path, std::move(h));
  };
  api::add_account_form_routes(router, *api, pages);  // POST /signup, /forgot-password, ...
  api::add_web_routes(router, std::move(pages));
  api::add_mfa_routes(router, *api);      // /auth/mfa..., /auth/login/mfa, /auth/token/mfa
  api::add_auth_routes(router, *api);     // /auth/signup, login, logout, me, sessions, password
  api::add_account_routes(router, *api);  // /auth/password/forgot|reset, /auth/email/verify|resend
  api::add_verify_routes(router, *api);   // GET|POST /auth/verify
  api::add_token_routes(router, *api);    // POST /auth/token, /auth/refresh
  if (probes.operator_routes) add_operator_routes(router, {}, api);  // /admin/*
  api::add_connected_app_routes(router, *api);                       // /auth/apps
  api::add_passkey_login_routes(router, *api);        // /auth/passkeys/login[/options]
  api::add_passkey_routes(router, *api);              // /auth/passkeys (the account's)
  api::add_oauth_authorize_routes(router, *api);      // /oauth2/authorize, /oauth2/consent
  api::add_oauth_token_routes(router, *api);          // /oauth2/token
  api::add_oauth_introspection_routes(router, *api);  // /oauth2/introspect, /oauth2/revoke
  api::add_oauth_userinfo_routes(router, *api);       // /oauth2/userinfo
  api::add_revocation_feed_route(router, *api);       // /oauth2/revocation-feed
  api::add_oauth_logout_routes(router, *api);         // /oauth2/logout
  api::add_oauth_discovery_routes(router, *api);      // /.well-known/openid-configuration, ...
  api::add_federation_routes(router, *api);  // /auth/federation/... (api/federation_handlers.h)
  return router;
}

std::expected<std::vector<std::pair<std::string, std::string>>, std::string> route_list(
    const Config& config) {
  if (auto valid = validate(config); !valid) return std::unexpected(valid.error());
  if (auto dir = ensure_data_dir(config.store.data_dir); !dir) return std::unexpected(dir.error());
  auto proxies = http::TrustedProxies::parse(config.server.trusted_proxies);
  if (!proxies) return std::unexpected("server.trusted_proxies: " + proxies.error());
  auto services = open_services(config, {.hash_threads = 1, .on_store_error = nullptr});
  if (!services) return std::unexpected(services.error());
  http::Metrics metrics;  // serve() always has metrics: /metrics is always routed
  auto api_context = make_api_context(config, **services, *proxies, &metrics);
  http::Router router =
      make_router(static_jwks(jose::Jwks()), {.metrics = &metrics, .ready = [] { return true; }},
                  api_context.get(), page_options(config), config.web.cors_origins);
  auto routes = router.routes();
  (*services)->pool->stop();
  return routes;
}

http::Router make_admin_router(const Probes& probes, const api::ApiContext* api) {
  http::Router router;
  add_probe_routes(router, probes);
  add_operator_routes(router, probes, api);
  return router;
}

std::expected<void, std::string> serve(const Config& config, std::ostream& announce) {
  if (auto valid = validate(config); !valid) return std::unexpected(valid.error());
  base::set_log_options(config.log.log_level(), config.log.log_format());  // before any line
  auto listen = http::parse_listen_address(config.server.listen);
  if (!listen) return std::unexpected(listen.error());
  const std::string& data_dir = config.store.data_dir;
  if (auto dir = ensure_data_dir(data_dir); !dir) return std::unexpected(dir.error());
  // Held while serving: `tessera restore` replaces no database under a running server.
  auto dir_lock = DataDirLock::acquire(data_dir, DataDirLock::Mode::kShared);
  if (!dir_lock) return std::unexpected(dir_lock.error());
  auto proxies = http::TrustedProxies::parse(config.server.trusted_proxies);
  if (!proxies) return std::unexpected("server.trusted_proxies: " + proxies.error());

  // Stores and services. Store failures reach the log with their reason (clients get 503).
  http::Metrics metrics;  // before the stores: they are opened with its timer
  auto services = open_services(
      config,
      {.hash_threads = 0,
       .on_store_error =
           [](std::string_view why) {
             http::log_event(http::LogLevel::kWarn, "store error", {{"reason", std::string(why)}});
           },
       .store_timer = store_operation_timer(metrics)});
  if (!services) return std::unexpected(services.error());
  Services& s = **services;
  add_server_metrics(metrics, s);  // app/server_metrics.h
  auto api_context = make_api_context(config, s, *proxies, &metrics);
  auth::KeyringService& keyring = *s.keyring;
  JwksSource published{.json =
                           [&keyring] {
                             auto view = keyring.current();
                             return view ? view->jwks_json : std::string(R"({"keys":[]})");
                           },
                       .max_age = config.keys.jwks_max_age.count()};
  // Ready: the stores answer and the revocation state is current (else tokens fail closed),
  // as the maintenance thread last found (it asks every tick, starting at once).
  Maintenance maintenance(
      s,
      {.tick = std::chrono::milliseconds(250),
       .purge_every = std::chrono::minutes(10),
       .retention = config.audit.retention},
      [&s] { return (!s.stores.ready || s.stores.ready()) && s.revocation->ready(); });
  Probes probes{.metrics = &metrics,
                .ready = [&maintenance] { return maintenance.ready(); },
                .operator_routes = config.server.admin_listen.empty()};
  if (s.federation) {
    probes.unavailable_providers = [&s] {
      std::vector<std::string> ids;
      for (const auto& p : s.federation->providers()) {
        if (!p.available) ids.push_back(p.id);
      }
      return ids;
    };
  }
  http::Router router = make_router(std::move(published), probes, api_context.get(),
                                    page_options(config), config.web.cors_origins);
  http::ServerOptions server_options;
  server_options.host = listen->host;
  server_options.port = listen->port;
  server_options.limits = server_limits(config);
  server_options.stop_on_signals = true;
  server_options.metrics = &metrics;
  server_options.trusted_proxies = std::move(*proxies);  // exempt from the per-client cap
  if (!config.server.tls_cert.empty()) {
    server_options.tls = http::TlsFiles{config.server.tls_cert, config.server.tls_key};
    server_options.hsts_max_age = config.server.hsts_max_age;
  }
  auto admin = AdminListener::create(config.server.admin_listen, server_options,
                                     [&] { return make_admin_router(probes, api_context.get()); });
  if (!admin) return std::unexpected(admin.error());
  auto server = http::Server::create(std::move(server_options), router);
  if (!server) return std::unexpected(server.error());
  // CSRF origins: configured, or (zero configuration) the server's own URL, known once bound.
  const std::vector<std::string> origins = effective_allowed_origins(config, (*server)->url());
  api_context->set_allowed_origins(origins);
  log_startup_warnings(config, (*server)->url());
  // The login page /auth/verify sends browsers to: server.public_url, or the server's own URL.
  api_context->set_public_url(config.server.public_url.empty() ? (*server)->url()
                                                               : config.server.public_url);
  // Passkeys: the same origins, and webauthn.rp_id or the first of them that is a domain name.
  s.passkeys->set_relying_party(effective_rp_id(config, origins), origins);
  if (!s.passkeys->enabled()) {
    http::log_event(http::LogLevel::kInfo, "passkeys are off",
                    {{"reason", "no allowed origin is a domain name: set webauthn.rp_id"}});
  }
  // Access tokens' "iss": configured, or (zero configuration) the server's own URL.
  if (config.tokens.issuer.empty()) s.access_tokens->set_issuer((*server)->url());
  // Links in mails: server.public_url, or (zero configuration) the server's own URL.
  if (config.server.public_url.empty()) s.mailer->set_public_url((*server)->url());
  // Federated sign-in: the callback URI on the same URL, then each provider's discovery and
  // keys (an unreachable one is logged, shown unavailable, and retried in the background).
  if (s.federation) {
    s.federation->set_public_url(config.server.public_url.empty() ? (*server)->url()
                                                                  : config.server.public_url);
    s.federation->load_and_watch();
    for (const auto& p : s.federation->providers()) {
      http::log_event(p.available ? http::LogLevel::kInfo : http::LogLevel::kWarn,
                      p.available ? "federation provider ready" : "federation provider unavailable",
                      {{"provider", p.id}, {"issuer", p.issuer}, {"reason", p.problem}});
    }
  }
  // The outbox's sender, when there is an SMTP server to send to.
  if (s.mail_sender) {
    s.mail_sender->start();
  } else {
    http::log_event(http::LogLevel::kInfo, "mail is not sent",
                    {{"reason", config.email.outbox_only
                                    ? "email.outbox_only: read it with `tessera outbox list`"
                                    : "email.smtp_url is not set: password reset and email "
                                      "verification are off"}});
  }
  // Other processes' changes, as they happen (store/change_feed.h): a revocation or a key
  // rotation wakes the follow step; a deleted session leaves the session cache at once. After
  // a (re)subscription hints may have been lost: forget every cached session and reload the
  // revocation state.
  auto subscription = s.stores.changes->subscribe(
      [&s, &maintenance](store::ChangeTopic topic, std::string_view payload) {
        if (topic != store::ChangeTopic::kSession) return maintenance.wake();
        auto hash = store::token_hash_from_hex(payload);
        if (hash) {
          s.sessions->forget(*hash);
        } else {
          s.sessions->forget_all();
        }
      },
      [&s, &maintenance] {
        s.sessions->forget_all();
        maintenance.wake(/*reload=*/true);
      });

  announce << "listening on " << (*server)->url() << std::endl;
  (*admin)->announce(announce);
  http::log_event(http::LogLevel::kInfo, "server started",
                  {{"url", (*server)->url()}, {"data_dir", data_dir}, {"keys", key_ids(keyring)}});
  (*admin)->start();
  (*server)->run();
  (*admin)->stop();  // after the main listener's drain: the operator sees it to the end
  // Drained: no request is in flight. Queued hashing jobs still run (their late answers are
  // dropped safely by the server, which is still alive), then the workers stop.
  s.pool->stop();
  http::log_event(http::LogLevel::kInfo, "server stopped", {{"url", (*server)->url()}});
  return {};
}

}  // namespace tessera::app
