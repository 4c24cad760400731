// The PostgreSQL backend (store = "postgres"): every store interface on one database that any
// number of nodes share. See pool.h for connections and their bounds, op.h for one call,
// migrations.h for the schema. Only this directory includes libpq.
#pragma once

#include <expected>
#include <string>

#include "store/stores.h"

namespace tessera::store::postgres {

// Applies pending migrations to config.postgres_dsn, then returns stores sharing one pool of
// at most config.postgres_pool connections, every call bounded by config.network_timeout_ms.
// `ready` runs one bounded query: reachable, and at the schema version this binary expects.
// `changes` is the in-process feed (other nodes' changes are found by polling).
std::expected<Stores, std::string> open_stores(const StoreConfig& config);

// Applies pending migrations; returns the schema version reached.
std::expected<int, std::string> migrate(const StoreConfig& config);

}  // namespace tessera::store::postgres
