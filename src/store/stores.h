// The set of stores one server (or CLI command) works on, chosen in ONE place from the
// configuration (Hydra's driver/registry.go idea). Backends: "memory" (tests, benchmarks),
// "sqlite" (the embedded default, a file under the data dir) and "postgres" (scale-out: every
// node on one database). A cache, "redis", takes over what is hot and expiring - sessions,
// rate-limit counters, the revocation state - and broadcasts changes to every node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/histogram.h"
#include "store/account_token_store.h"
#include "store/audit_store.h"
#include "store/authorization_code_store.h"
#include "store/change_feed.h"
#include "store/client_store.h"
#include "store/consent_store.h"
#include "store/counter_store.h"
#include "store/credential_store.h"
#include "store/federated_identity_store.h"
#include "store/key_store.h"
#include "store/outbox_store.h"
#include "store/pool_state.h"
#include "store/refresh_store.h"
#include "store/revocation_store.h"
#include "store/session_store.h"
#include "store/user_store.h"

namespace tessera::store {

struct Stores {
  std::shared_ptr<UserStore> users;
  std::shared_ptr<SessionStore> sessions;
  std::shared_ptr<CounterStore> counters;
  std::shared_ptr<AuditStore> audit;
  std::shared_ptr<RefreshStore> refresh;
  std::shared_ptr<KeyStore> keys;
  std::shared_ptr<RevocationStore> revocations;
  // OAuth clients, their authorization codes and the users' consents: in the backend, also
  // when a cache is configured (a code or consent goes with its client).
  std::shared_ptr<ClientStore> clients;
  std::shared_ptr<AuthorizationCodeStore> codes;
  std::shared_ptr<ConsentStore> consents;
  // Second factors, passkeys and WebAuthn user handles: in the backend with the users they
  // belong to, also when a cache is configured.
  std::shared_ptr<CredentialStore> credentials;
  // The mail outbox and the account lifecycle's one-time tokens: in the backend with the users
  // (a token's change and its mail commit together), also when a cache is configured.
  std::shared_ptr<OutboxStore> outbox;
  std::shared_ptr<AccountTokenStore> account_tokens;
  // The users' identities at upstream OpenID Connect providers: in the backend with the users,
  // also when a cache is configured.
  std::shared_ptr<FederatedIdentityStore> federated_identities;
  // Change hints between the processes on these stores (store/change_feed.h).
  std::shared_ptr<ChangeFeed> changes;
  // Whether the backends answer (for /readyz). Thread-safe, cheap, bounded in time.
  std::function<bool()> ready;
  // The connection pools, for metrics (store/pool_state.h): sqlite's or postgres's, then
  // redis's when it is the cache. Empty for memory.
  std::vector<PoolProbe> pools;
};

// Where a backend's operations are timed (StoreConfig::timer): asked once per (backend, op) at
// open, from the opening thread. The pairs, each one rule in one place of its backend:
//   ("sqlite", "read")     Database::read/read_transaction: waiting for a connection + the reads
//   ("sqlite", "write")    Database::write: queueing for the group commit + the batch's commit
//   ("postgres", "call")   one Op (postgres/op.h): waiting for a connection + every statement
//   ("redis", "command")   one command or script (redis/client.h): the lease + the round trip
// Returns the histogram to observe into, or null (not timed). The histogram must outlive the
// stores.
using OperationTimer =
    std::function<base::LatencyHistogram*(std::string_view backend, std::string_view op)>;

struct StoreConfig {
  std::string backend = "sqlite";  // "sqlite" | "memory" | "postgres"
  std::string sqlite_path;         // for "sqlite": the database file (created 0600 if absent)
  // For "sqlite": how long an operation waits for a lock another connection or process holds
  // (the CLI writing while a server runs) before it fails with kUnavailable.
  int sqlite_busy_timeout_ms = 5000;
  // For "postgres": a libpq connection string or URI ("host=... dbname=..." or
  // "postgresql://user@host:port/db"), and the most connections this process opens.
  std::string postgres_dsn;
  std::size_t postgres_pool = 16;
  // "" (the backend keeps everything) | "redis": sessions, counters and revocations in Redis.
  std::string cache;
  std::string redis_url;                  // redis://[:password@]host:port[/db]
  std::string redis_prefix = "tessera:";  // every key starts with it (several deployments or
                                          // test runs can share one Redis)
  std::size_t redis_pool = 16;
  // For "redis", which keeps nothing forever (every key has a TTL, counted by Redis's clock from
  // the write; see store/redis/redis_stores.h). The application sets both from its own
  // configuration:
  //   - how long a session is kept after it is created: its absolute lifetime. The session
  //     service's purge() still decides expiry; this only bounds what Redis holds when purge
  //     does not run.
  std::int64_t session_max_lifetime_seconds = 24 * 60 * 60;
  //   - how long a user's not-before is kept after it was last raised. It only matters until
  //     every access token issued before it has expired: the access-token TTL plus the
  //     verifiers' leeway. After that it may be dropped (not_before() then answers 0 and
  //     snapshot() leaves it out), which lets through no token it would still have rejected.
  //     The other backends keep not-befores forever.
  std::int64_t not_before_keep_seconds = 15 * 60 + 30;
  // For "postgres" and "redis": the bound on connecting and on each operation's round trip;
  // beyond it the operation fails with kUnavailable (the caller answers 503) and the connection
  // is dropped, so no thread waits longer on an unreachable server.
  int network_timeout_ms = 2000;
  // Optional. Called, from any thread, with a one-line reason whenever an operation fails with
  // kUnavailable or kCorrupt (the callers only see the enum): for the server's log. Must be
  // thread-safe and must not call back into the stores.
  std::function<void(std::string_view)> on_error;
  // Optional: see OperationTimer. Empty: nothing is timed.
  OperationTimer timer;
};

// Opens the stores, applying pending schema migrations first (migrations/<backend>/NNNN_*.sql,
// compiled into the binary). Errors are messages for logs / stderr.
std::expected<Stores, std::string> open_stores(const StoreConfig& config);

// Applies pending migrations only (`tessera migrate`). Returns the schema version reached.
std::expected<int, std::string> migrate(const StoreConfig& config);

}  // namespace tessera::store
