// The set of stores one server (or CLI command) works on, chosen in ONE place from the
// configuration (Hydra's driver/registry.go idea). Backends: "memory" (tests, benchmarks) and
// "sqlite" (the embedded default, a file under the data dir). PostgreSQL and Redis join later.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "store/audit_store.h"
#include "store/counter_store.h"
#include "store/key_store.h"
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
  // Whether the backends answer (for /readyz). Thread-safe, cheap, bounded in time.
  std::function<bool()> ready;
};

struct StoreConfig {
  std::string backend = "sqlite";  // "sqlite" | "memory"
  std::string sqlite_path;         // for "sqlite": the database file (created 0600 if absent)
  // For "sqlite": how long an operation waits for a lock another connection or process holds
  // (the CLI writing while a server runs) before it fails with kUnavailable.
  int sqlite_busy_timeout_ms = 5000;
  // Optional. Called, from any thread, with a one-line reason whenever an operation fails with
  // kUnavailable or kCorrupt (the callers only see the enum): for the server's log. Must be
  // thread-safe and must not call back into the stores.
  std::function<void(std::string_view)> on_error;
};

// Opens the stores, applying pending schema migrations first (migrations/<backend>/NNNN_*.sql,
// compiled into the binary). Errors are messages for logs / stderr.
std::expected<Stores, std::string> open_stores(const StoreConfig& config);

// Applies pending migrations only (`tessera migrate`). Returns the schema version reached.
std::expected<int, std::string> migrate(const StoreConfig& config);

}  // namespace tessera::store
