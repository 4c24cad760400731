// The domain services over the configured stores, built in ONE place for `tessera serve` and
// for the CLI subcommands that work on the same store (`tessera user ...`), so both read the
// same file with the same rules.
//
// Ownership: Services owns everything it builds. Destroying it first stops the hash pool
// (queued jobs run to completion, so every pending completion fires), then the services, then
// the stores. REQUIRES: nothing uses the services after that (the server is stopped first).
#pragma once

#include <cstddef>
#include <expected>
#include <memory>
#include <string>

#include "app/config.h"
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
#include "auth/lifecycle/account_mail.h"
#include "auth/lifecycle/mail_sender.h"
#include "auth/lifecycle/mailer.h"
#include "auth/oauth_grants.h"
#include "auth/passkeys.h"
#include "auth/rate_limiter.h"
#include "auth/refresh_families.h"
#include "auth/revocation.h"
#include "auth/revocation_feed.h"
#include "auth/second_factors.h"
#include "auth/sessions.h"
#include "auth/token_introspection.h"
#include "auth/users.h"
#include "base/clock.h"
#include "net/http_client.h"
#include "store/stores.h"

namespace tessera::app {

// The stores of `config`: store.backend, and for SQLite the file <store.data_dir>/tessera.db.
// `on_error` as in StoreConfig (may be empty).
store::StoreConfig store_config(const Config& config,
                                std::function<void(std::string_view)> on_error = nullptr);

// Whether the stores are across a network (PostgreSQL, Redis): store-bound request handlers
// then run on the store pool (api/store_routes.h).
bool networked_stores(const Config& config);

struct Services {
  Services() = default;
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;
  ~Services();

  store::Stores stores;
  base::SystemClock clock;
  std::unique_ptr<auth::HashPool> pool;
  // Store-bound requests (refresh rotation: a write transaction, and a WAL checkpoint's fsync
  // now and then) run here rather than on the I/O threads, which would otherwise queue behind
  // SQLite's single writer. The same bounded pool class, at normal priority.
  std::unique_ptr<auth::HashPool> store_pool;
  std::unique_ptr<auth::UserService> users;
  std::unique_ptr<auth::SessionService> sessions;
  std::unique_ptr<auth::RateLimiter> limiter;
  std::unique_ptr<auth::AuditService> audit;
  std::unique_ptr<auth::KeyringService> keyring;
  // What the revocation feed streams (api/revocation_feed.h): `revocation` tells it the log
  // (declared first: it outlives the service that holds a pointer to it).
  std::unique_ptr<auth::RevocationFeed> revocation_feed;
  std::unique_ptr<auth::RevocationService> revocation;
  std::unique_ptr<auth::AccessTokens> access_tokens;
  std::unique_ptr<auth::RefreshFamilies> families;
  std::unique_ptr<auth::FamilyCsrf> family_csrf;
  std::unique_ptr<auth::SecondFactors> second_factors;  // TOTP, recovery codes, mfa_tokens
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<auth::ClientService> clients;  // OAuth 2.0 clients
  // OAuth 2.0 / OpenID Connect.
  std::unique_ptr<auth::IdTokens> id_tokens;
  std::unique_ptr<auth::ConsentService> consents;
  std::unique_ptr<auth::AuthorizationService> authorization;
  std::unique_ptr<auth::OAuthGrants> oauth_grants;
  std::unique_ptr<auth::ClientAuthenticator> client_auth;
  std::unique_ptr<auth::TokenIntrospection> introspection;
  // Passkeys (WebAuthn). Always built; off (kNotConfigured) while it has no RP id. The RP id and
  // origins come from the configuration here, and again from serve() once the server's own URL
  // (the default allowed origin) is known.
  std::unique_ptr<auth::PasskeyService> passkeys;
  // Mail (SPEC.md "Email"): the composer, the outbox's sender (built when email.smtp_url is
  // set; serve() starts it), the lifecycle's links and the flows on them. Declared after what
  // they use, so the sender stops before anything it touches goes.
  std::unique_ptr<auth::Mailer> mailer;
  std::unique_ptr<auth::MailSender> mail_sender;
  std::unique_ptr<auth::AccountMail> account_mail;
  std::unique_ptr<auth::AccountLifecycle> lifecycle;
  // Federated sign-in (SPEC.md "Federated sign-in"): built when [[federation.providers]] has
  // any; serve() loads the providers once the public URL is known. Declared last: its retry
  // thread stops first.
  std::unique_ptr<net::HttpClient> http_client;
  std::unique_ptr<auth::federation::FederationService> federation;
};

struct ServicesOptions {
  // Hashing threads; 0: auth.hash_threads from the configuration. (The CLI hashes on its own
  // thread and wants one worker at most.)
  std::size_t hash_threads = 0;
  std::function<void(std::string_view)> on_store_error;
  // Where store operations are timed (store::OperationTimer); empty: not timed.
  store::OperationTimer store_timer;
  // The access tokens' "iss" when tokens.issuer is empty: the server's URL (the CLI, which
  // issues no tokens, leaves the default).
  std::string default_issuer = "http://127.0.0.1:8080";
};

// Opens the stores (migrating them) and builds the services; loads the keyring (creating the
// first keys) and the revocation state. The master key sealing private keys is
// keys.encryption_key, else <data_dir>/master.key (created on first use), else - for the memory
// backend only, where nothing persists - a random one. The error is a message for stderr.
// `tokens.issuer` empty means `default_issuer`.
// REQUIRES: the data dir exists (ensure_data_dir) when the backend is SQLite.
std::expected<std::unique_ptr<Services>, std::string> open_services(const Config& config,
                                                                    ServicesOptions options = {});

}  // namespace tessera::app
