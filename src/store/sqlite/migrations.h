// Schema migrations for the SQLite backend: migrations/sqlite/NNNN_name.sql, compiled into the
// binary at build time (embed_migrations.cmake generates the table below), applied in order.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "store/sqlite/database.h"

namespace tessera::store::sqlite {

struct Migration {
  int version;            // NNNN: 1, 2, 3, ... without gaps (checked at build time)
  std::string_view name;  // the file name, e.g. "0001_initial.sql"
  std::string_view sql;   // the statements; no BEGIN/COMMIT (the runner owns the transaction)
};

// Every migration this binary knows, ascending by version. Generated.
std::span<const Migration> migrations();

// The newest version this binary knows (migrations().back().version).
int latest_version();

// Brings the database up to latest_version(): in ONE BEGIN IMMEDIATE transaction, reads the
// version recorded in schema_version (0 for an empty database), applies every newer migration
// and records each. Concurrent callers (two processes starting at once) serialize on the write
// lock; the second finds nothing to do. A database already newer than this binary is refused
// (an older binary must not write to a schema it does not know). Returns the version reached.
std::expected<int, std::string> apply_migrations(Database& db);

// The version recorded in the database (0 if it has no schema_version table).
std::expected<int, StoreError> schema_version(Connection& conn);

}  // namespace tessera::store::sqlite
