// The one place that picks a backend from the configuration.
#include "store/stores.h"

#include "store/memory/memory_stores.h"
#include "store/postgres/postgres_stores.h"
#include "store/sqlite/sqlite_stores.h"

namespace tessera::store {
namespace {

std::string unknown(const StoreConfig& config) {
  return "unknown store backend \"" + config.backend + "\" (expected sqlite, memory or postgres)";
}

}  // namespace

std::expected<Stores, std::string> open_stores(const StoreConfig& config) {
  if (config.backend == "sqlite") return sqlite::open_stores(config);
  if (config.backend == "memory") return memory::open_stores();
  if (config.backend == "postgres") return postgres::open_stores(config);
  return std::unexpected(unknown(config));
}

std::expected<int, std::string> migrate(const StoreConfig& config) {
  if (config.backend == "sqlite") return sqlite::migrate(config);
  if (config.backend == "memory") return 0;  // nothing persistent: no schema
  if (config.backend == "postgres") return postgres::migrate(config);
  return std::unexpected(unknown(config));
}

}  // namespace tessera::store
