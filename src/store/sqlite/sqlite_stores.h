// The SQLite backend (the embedded default): one database file in WAL mode, shared safely by
// a server and the CLI at the same time. See database.h for connections, the pool and write
// transactions, migrations.h for the schema.
#pragma once

#include <expected>
#include <string>

#include "store/stores.h"

namespace tessera::store::sqlite {

// Opens (creating, mode 0600) config.sqlite_path, applies pending migrations, and returns
// stores sharing one connection pool. `ready` answers whether the file is readable and at the
// schema version this binary expects.
std::expected<Stores, std::string> open_stores(const StoreConfig& config);

// Applies pending migrations; returns the schema version reached.
std::expected<int, std::string> migrate(const StoreConfig& config);

}  // namespace tessera::store::sqlite
