// Schema migrations for the PostgreSQL backend: migrations/postgres/NNNN_name.sql, compiled into
// the binary at build time (sqlite/embed_migrations.cmake with BACKEND=postgres generates the
// table below), applied in order by every process that opens the stores and by `migrate`.
#pragma once

#include <chrono>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "store/postgres/op.h"
#include "store/postgres/pool.h"

namespace tessera::store::postgres {

struct Migration {
  int version;            // NNNN: 1, 2, 3, ... without gaps (checked at build time)
  std::string_view name;  // the file name, e.g. "0001_initial.sql"
  std::string_view sql;   // the statements; no BEGIN/COMMIT (the runner owns the transaction)
};

// Every migration this binary knows, ascending by version. Generated.
std::span<const Migration> migrations();

// The newest version this binary knows (migrations().back().version).
int latest_version();

// Brings the database up to latest_version() in ONE transaction: takes a transaction-scoped
// advisory lock (pg_advisory_xact_lock) that every migrating process takes first, reads the
// version recorded in schema_version (0 for an empty database), applies every newer migration
// and records each. Several nodes starting at once on a fresh database queue on the lock; the
// first applies everything, each later one (READ COMMITTED: its statements after the lock see
// what the first committed) finds nothing to do. A database already newer than this binary is
// refused (an older binary must not write to a schema it does not know). Connecting is bounded
// by the pool's timeout; the migration itself, which may wait for another node's and run DDL,
// by kMigrationTimeout. Returns the version reached; errors are messages for logs / stderr.
inline constexpr std::chrono::minutes kMigrationTimeout{5};
std::expected<int, std::string> apply_migrations(Pool& pool);

// The version recorded in the database (0 if none); an error if there is no schema_version
// table (the database was never migrated, or is not ours).
std::expected<int, StoreError> schema_version(Op& op);

}  // namespace tessera::store::postgres
