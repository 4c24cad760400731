#include "app/services.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "api/web_pages.h"
#include "app/data_dir.h"
#include "auth/mfa/recovery_codes.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "http/log.h"
#include "mail/smtp_client.h"

namespace tessera::app {
namespace {

std::expected<crypto::AeadKey, std::string> master_key(const Config& config) {
  if (!config.keys.encryption_key.empty()) {
    auto k = master_key_from_text(config.keys.encryption_key);
    if (!k) return std::unexpected("keys.encryption_key: " + k.error());
    return k;
  }
  if (config.store.backend == "memory" && !std::filesystem::exists(config.store.data_dir)) {
    // Nothing persists: a key for this process's lifetime only.
    crypto::AeadKey k{};
    const std::string r = crypto::random_bytes(k.size());
    std::copy(r.begin(), r.end(), k.begin());
    return k;
  }
  return load_or_create_master_key(config.store.data_dir);
}

// The sender's transport: mail::SmtpClient with [email]'s settings. A refused login (530,
// 534, 535) is this server's configuration, not the message's fault: retried like a transient
// failure, so mail waits for a fixed password instead of being dropped.
auth::MailTransport smtp_transport(const EmailSection& email) {
  mail::SmtpSettings settings = *mail::parse_smtp_url(email.smtp_url);  // checked at load
  settings.starttls = mail::parse_starttls(email.starttls).value_or(mail::StartTls::kAuto);
  settings.ca_file = email.ca_file;
  settings.timeout = email.timeout;
  auto client = std::make_shared<const mail::SmtpClient>(std::move(settings));
  return [client](std::string_view from, std::string_view to,
                  std::string_view message) -> std::expected<void, auth::DeliveryFailure> {
    auto sent = client->send(from, to, message);
    if (sent) return {};
    const int code = sent.error().smtp_code;
    const bool login_refused = code == 530 || code == 534 || code == 535;
    std::string reason = code != 0 ? std::to_string(code) + " " : std::string();
    reason += sent.error().detail;
    return std::unexpected(auth::DeliveryFailure{
        .permanent = sent.error().kind == mail::SmtpError::kPermanent && !login_refused,
        .reason = std::move(reason)});
  };
}

// The whole of a small file (a secret or a key), or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return std::nullopt;
  return text.str();
}

// The providers of [[federation.providers]] as the federation service takes them, each
// client_secret_file read (trailing newlines dropped). The error names the file.
std::expected<std::vector<auth::federation::UpstreamConfig>, std::string> upstream_configs(
    const std::vector<FederationProviderSection>& sections) {
  std::vector<auth::federation::UpstreamConfig> out;
  for (const FederationProviderSection& p : sections) {
    std::string secret = p.client_secret;
    if (!p.client_secret_file.empty()) {
      auto text = read_file(p.client_secret_file);
      if (!text) {
        return std::unexpected("federation.providers \"" + p.id + "\": client_secret_file " +
                               p.client_secret_file + " cannot be read");
      }
      secret = std::move(*text);
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
      if (secret.empty()) {
        return std::unexpected("federation.providers \"" + p.id + "\": client_secret_file " +
                               p.client_secret_file + " is empty");
      }
    }
    std::optional<jose::Jwk> key;
    if (!p.private_key_file.empty()) {
      auto text = read_file(p.private_key_file);
      auto parsed = text ? jose::Jwk::parse(*text) : std::unexpected(jose::Error::kBadJwk);
      if (!parsed || !parsed->is_private() || parsed->is_symmetric() || parsed->kid().empty()) {
        return std::unexpected("federation.providers \"" + p.id + "\": private_key_file " +
                               p.private_key_file +
                               " is not a readable private asymmetric JWK with a kid");
      }
      key = std::move(*parsed);
    }
    out.push_back({.id = p.id,
                   .name = p.name,
                   .issuer = p.issuer,
                   .client_id = p.client_id,
                   .client_secret = std::move(secret),
                   .secret_in_body = p.token_endpoint_auth_method == "client_secret_post",
                   .assertion_key = std::move(key),
                   .scopes = p.scopes,
                   .link_verified_email = p.link == "verified_email",
                   .create_users = p.create_users});
  }
  return out;
}

// A secret for one purpose (`label`) from the master key: every node of a deployment derives
// the same one, and no purpose's secret tells anything about another's.
std::string derived_secret(const crypto::AeadKey& master, std::string_view label) {
  const crypto::AeadKey k = crypto::derive_key(
      std::string_view(reinterpret_cast<const char*>(master.data()), master.size()), label);
  return {reinterpret_cast<const char*>(k.data()), k.size()};
}

}  // namespace

store::StoreConfig store_config(const Config& config,
                                std::function<void(std::string_view)> on_error) {
  store::StoreConfig sc;
  sc.backend = config.store.backend;
  sc.sqlite_path = database_file(config.store.data_dir).string();
  sc.postgres_dsn = config.store.postgres_dsn;
  sc.postgres_pool = config.store.postgres_pool;
  sc.cache = config.cache.backend;
  sc.redis_url = config.cache.redis_url;
  sc.redis_prefix = config.cache.redis_prefix;
  sc.redis_pool = config.cache.redis_pool;
  // Redis keeps sessions no longer than their absolute lifetime, and a not-before as long as
  // a token issued before it can live (the keyring's retire_after is the same sum).
  sc.session_max_lifetime_seconds = config.sessions.absolute_lifetime.count();
  sc.not_before_keep_seconds = config.tokens.access_ttl.count() + config.tokens.leeway.count();
  sc.network_timeout_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(config.store.network_timeout).count());
  sc.on_error = std::move(on_error);
  return sc;
}

bool networked_stores(const Config& config) {
  return config.store.backend == "postgres" || !config.cache.backend.empty();
}

Services::~Services() {
  // Queued jobs hold references to the services: let them finish first.
  if (pool) pool->stop();
  if (store_pool) store_pool->stop();
}

std::expected<std::unique_ptr<Services>, std::string> open_services(const Config& config,
                                                                    ServicesOptions options) {
  store::StoreConfig store = store_config(config, std::move(options.on_store_error));
  store.timer = std::move(options.store_timer);
  auto stores = store::open_stores(store);
  if (!stores) return std::unexpected(stores.error());
  auto s = std::make_unique<Services>();
  s->stores = std::move(*stores);

  auth::HashPoolConfig pool;
  pool.threads = options.hash_threads != 0 ? options.hash_threads : config.auth.hash_threads;
  pool.queue_per_thread = config.auth.hash_queue_per_thread;
  s->pool = std::make_unique<auth::HashPool>(pool);
  // SQLite: two workers, one can sign an access token while the other holds the write
  // transaction. Networked stores: every store-bound handler runs here (api/store_routes.h)
  // and mostly waits on round trips, so one worker per connection of the larger pool (a handler
  // holds at most one connection of each pool at a time). Not more: a worker beyond that can
  // only wait for a connection, and on PostgreSQL refresh twice as many workers as connections
  // cost about a fifth of the rotations/s in context switches and pool-lock contention
  // (bench/README.md, 2026-12-06).
  const std::size_t store_workers =
      networked_stores(config)
          ? std::max<std::size_t>(config.store.postgres_pool, config.cache.redis_pool)
          : 2;
  s->store_pool = std::make_unique<auth::HashPool>(
      auth::HashPoolConfig{.threads = store_workers, .queue_per_thread = 1024, .nice = 0});

  auth::UserServiceConfig users;
  users.params.memory_kib = config.auth.argon2_memory_kib;
  users.params.iterations = config.auth.argon2_iterations;
  users.policy.min_chars = config.auth.password_min_length;
  users.policy.min_score = static_cast<int>(config.auth.password_min_score);
  auto user_service = auth::UserService::create(s->stores.users, *s->pool, users);
  if (!user_service) return std::unexpected(user_service.error());
  s->users = std::move(*user_service);
  // Emails stored before their normalization changed (users.h); nothing to do almost always.
  if (auto r = s->users->renormalize_emails(); !r) {
    http::log_event(http::LogLevel::kWarn, "email re-normalization failed",
                    {{"error", auth::describe(r.error())}});
  } else {
    if (r->changed > 0) {
      http::log_event(http::LogLevel::kInfo, "stored emails re-normalized",
                      {{"changed", std::to_string(r->changed)}});
    }
    for (const std::string& p : r->problems) {
      http::log_event(http::LogLevel::kWarn, "stored email left as it was", {{"detail", p}});
    }
  }

  auth::SessionConfig sessions;
  sessions.idle_timeout = config.sessions.idle_timeout.count();
  sessions.absolute_lifetime = config.sessions.absolute_lifetime.count();
  sessions.max_per_user = config.sessions.max_sessions_per_user;
  s->sessions =
      std::make_unique<auth::SessionService>(s->stores.sessions, s->stores.users, sessions);

  auth::RateLimitConfig limits;
  limits.email_max_failures = config.rate_limit.email_failures;
  limits.email_window = config.rate_limit.email_window.count();
  limits.ip_max_failures = config.rate_limit.ip_failures;
  limits.ip_window = config.rate_limit.ip_window.count();
  limits.signup_ip_max = config.rate_limit.signup_ip;
  limits.signup_ip_window = config.rate_limit.signup_window.count();
  limits.mail_email_max = config.rate_limit.mail_email;
  limits.mail_ip_max = config.rate_limit.mail_ip;
  limits.mail_window = config.rate_limit.mail_window.count();
  s->limiter = std::make_unique<auth::RateLimiter>(s->stores.counters, limits);

  s->audit = std::make_unique<auth::AuditService>(s->stores.audit);

  auto master = master_key(config);
  if (!master) return std::unexpected(master.error());
  auth::KeyringConfig keyring;
  keyring.alg = *jose::alg_from_name(config.tokens.algorithm);  // validated
  keyring.retire_after = config.tokens.access_ttl.count() + config.tokens.leeway.count();
  keyring.rotate_every = config.keys.rotate_every.count();
  keyring.jwks_max_age = config.keys.jwks_max_age.count();
  s->keyring = std::make_unique<auth::KeyringService>(s->stores.keys, *master, s->clock, keyring);
  if (auto r = s->keyring->start(); !r) return std::unexpected("keyring: " + describe(r.error()));

  auth::RevocationConfig revocation;
  revocation.bloom_expected = config.revocation.bloom_expected;
  revocation.bloom_false_positive =
      static_cast<double>(config.revocation.bloom_false_positive_ppm) / 1e6;
  revocation.not_before_keep = keyring.retire_after;
  s->revocation =
      std::make_unique<auth::RevocationService>(s->stores.revocations, s->clock, revocation);
  if (auto r = s->revocation->start(); !r) {
    return std::unexpected("revocation state: " + describe(r.error()));
  }
  s->revocation_feed = std::make_unique<auth::RevocationFeed>();
  s->revocation->set_listener(s->revocation_feed.get());

  auth::AccessTokenConfig access;
  access.issuer = config.tokens.issuer.empty() ? options.default_issuer : config.tokens.issuer;
  access.audience = config.tokens.audience;
  access.ttl = config.tokens.access_ttl.count();
  access.leeway = config.tokens.leeway.count();
  s->access_tokens =
      std::make_unique<auth::AccessTokens>(*s->keyring, *s->revocation, s->clock, access);

  // Every node shares the master key, so every node accepts the CSRF tokens the others issued.
  s->family_csrf =
      std::make_unique<auth::FamilyCsrf>(derived_secret(*master, "tessera csrf secret v1"));

  auth::RefreshFamilyConfig families;
  families.absolute_lifetime = config.refresh.absolute_lifetime.count();
  families.idle_timeout = config.refresh.idle_timeout.count();
  families.reuse_grace = config.refresh.reuse_grace.count();
  // The refresh key needs both the master key and the store's refresh secret
  // (store/refresh_store.h says what each alone gives an attacker: nothing).
  auto refresh_secret =
      s->stores.refresh->token_secret(crypto::random_bytes(store::kRefreshSecretBytes));
  if (!refresh_secret)
    return std::unexpected("refresh secret: " +
                           std::string(store::describe(refresh_secret.error())));
  std::string refresh_label = "tessera refresh key v1 ";
  refresh_label += *refresh_secret;
  families.key = derived_secret(*master, refresh_label);
  crypto::cleanse(refresh_label);
  s->families =
      std::make_unique<auth::RefreshFamilies>(s->stores.refresh, s->stores.users, *s->access_tokens,
                                              *s->revocation, *s->audit, s->clock, families);

  // Second factors: TOTP secrets sealed, recovery codes hashed and mfa_tokens signed under keys
  // every node derives alike from the master key (auth/second_factors.h).
  auth::SecondFactorConfig factors;
  factors.issuer = config.auth.totp_issuer;
  factors.totp_key = crypto::derive_key(
      std::string_view(reinterpret_cast<const char*>(master->data()), master->size()),
      "tessera totp secrets v1");
  factors.recovery_key = derived_secret(*master, auth::mfa::kRecoveryCodeKeyLabel);
  factors.ticket_key = derived_secret(*master, "tessera mfa token v1");
  s->second_factors = std::make_unique<auth::SecondFactors>(
      s->stores.credentials, s->stores.counters, *s->audit, s->clock, std::move(factors));
  // Secrets an operator put in the old plaintext column are sealed before anyone logs in.
  if (auto sealed = s->second_factors->seal_legacy_secrets(); !sealed) {
    return std::unexpected("sealing legacy TOTP secrets: " + auth::describe(sealed.error()));
  } else if (sealed->sealed > 0 || sealed->skipped > 0) {
    http::log_event(http::LogLevel::kInfo, "legacy TOTP secrets sealed",
                    {{"sealed", std::to_string(sealed->sealed)},
                     {"skipped_unusable", std::to_string(sealed->skipped)}});
  }

  // Mail: composed from the templates beside the pages, sealed under a key of its own.
  s->mailer = std::make_unique<auth::Mailer>(
      auth::MailerConfig{
          .from_address = config.email.from,
          .from_name = config.email.from_name,
          .product = config.email.from_name,
          .public_url =
              config.server.public_url.empty() ? options.default_issuer : config.server.public_url,
          .key = crypto::derive_key(
              std::string_view(reinterpret_cast<const char*>(master->data()), master->size()),
              "tessera outbox v1")},
      [](std::string_view path) -> std::optional<std::string_view> {
        const api::EmbeddedFile* file = api::find_web_file(path);
        if (file == nullptr) return std::nullopt;
        return file->data;
      });
  if (!config.email.smtp_url.empty()) {
    auth::MailSenderConfig sending;
    sending.first_backoff = config.email.retry_backoff;
    // Look again at least as often as the shortest retry comes due.
    sending.poll = std::min<std::chrono::milliseconds>(sending.poll, config.email.retry_backoff);
    s->mail_sender = std::make_unique<auth::MailSender>(
        *s->stores.outbox, *s->mailer, smtp_transport(config.email), s->clock, sending);
  }
  auth::MailSender* sender = s->mail_sender.get();
  s->account_mail = std::make_unique<auth::AccountMail>(
      *s->stores.users, *s->stores.account_tokens, *s->stores.outbox, *s->mailer, s->clock,
      auth::AccountMailConfig{.enabled = config.email.enabled(),
                              .reset_ttl = config.auth.reset_link_ttl.count(),
                              .verify_ttl = config.auth.verify_link_ttl.count()},
      [sender] {
        if (sender != nullptr) sender->wake();
      });

  s->auth = std::make_unique<auth::AuthService>(
      *s->users, *s->sessions, *s->families, *s->limiter, *s->audit, *s->second_factors, s->clock,
      auth::AuthServiceConfig{.open_signup = config.auth.open_signup,
                              .require_verified_email = config.auth.require_verified_email},
      s->account_mail.get());
  s->lifecycle = std::make_unique<auth::AccountLifecycle>(
      *s->users, *s->sessions, *s->auth, *s->account_mail, *s->stores.account_tokens, *s->limiter,
      *s->audit, *s->store_pool, s->clock);
  // Clients cached for a second: the token endpoint looks its client up on every request; a
  // change made elsewhere reaches this process within the second, like a revocation.
  s->clients = std::make_unique<auth::ClientService>(s->stores.clients, *s->audit, s->clock,
                                                     /*cache_ttl_ms=*/1000);

  s->id_tokens = std::make_unique<auth::IdTokens>(*s->keyring, *s->access_tokens, s->clock);
  s->consents =
      std::make_unique<auth::ConsentService>(s->stores.consents, *s->families, *s->audit, s->clock);
  // Consent tickets are accepted by every node (the master key is shared), like CSRF tokens.
  s->authorization = std::make_unique<auth::AuthorizationService>(
      *s->clients, *s->consents, s->stores.codes, s->clock,
      auth::AuthorizationConfig{.ticket_key =
                                    derived_secret(*master, "tessera consent ticket v1")});
  s->oauth_grants =
      std::make_unique<auth::OAuthGrants>(s->stores.codes, s->stores.users, *s->families,
                                          *s->access_tokens, *s->id_tokens, *s->audit, s->clock);
  s->client_auth =
      std::make_unique<auth::ClientAuthenticator>(*s->clients, s->stores.counters, s->clock);
  s->introspection =
      std::make_unique<auth::TokenIntrospection>(*s->access_tokens, *s->families, s->stores.users);
  // Challenges are tickets every node accepts (the master key is shared), like consent tickets.
  s->passkeys = std::make_unique<auth::PasskeyService>(
      s->stores.credentials, s->stores.users, s->stores.counters, *s->audit, s->clock,
      auth::PasskeyConfig{.rp_id = effective_rp_id(config, config.web.allowed_origins),
                          .rp_name = config.webauthn.rp_name,
                          .allowed_origins = config.web.allowed_origins,
                          .ticket_key = derived_secret(*master, "tessera webauthn challenge v1")});
  if (!config.federation_providers.empty()) {
    auto upstreams = upstream_configs(config.federation_providers);
    if (!upstreams) return std::unexpected(upstreams.error());
    s->http_client = std::make_unique<net::HttpClient>();
    // Flow tickets and PKCE verifiers: every node derives the same keys (a flow started on
    // one node finishes on another).
    s->federation = std::make_unique<auth::federation::FederationService>(
        std::move(*upstreams), *s->http_client, *s->users, *s->auth, s->stores.federated_identities,
        s->stores.counters, s->stores.credentials, *s->audit, s->clock,
        auth::federation::FederationConfig{
            .public_url = config.server.public_url,
            .ticket_key = derived_secret(*master, "tessera federation flow v1"),
            .pkce_key = derived_secret(*master, "tessera federation pkce v1")});
  }
  return s;
}

}  // namespace tessera::app
