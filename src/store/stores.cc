// The one place that picks a backend from the configuration.
#include "store/stores.h"

#include "store/memory/memory_stores.h"
#include "store/notifying_key_store.h"
#include "store/sqlite/sqlite_stores.h"

namespace tessera::store {
namespace {

std::string unknown(const StoreConfig& config) {
  return "unknown store backend \"" + config.backend + "\" (expected sqlite, memory or postgres)";
}

std::expected<Stores, std::string> open_backend(const StoreConfig& config) {
  if (config.backend == "sqlite") return sqlite::open_stores(config);
  if (config.backend == "memory") return memory::open_stores();
  return std::unexpected(unknown(config));
}

}  // namespace

std::expected<Stores, std::string> open_stores(const StoreConfig& config) {
  auto stores = open_backend(config);
  if (!stores) return stores;
  // Key rotations reach every process on the stores through the feed (notifying_key_store.h).
  stores->keys = notifying_key_store(std::move(stores->keys), stores->changes);
  return stores;
}

std::expected<int, std::string> migrate(const StoreConfig& config) {
  if (config.backend == "sqlite") return sqlite::migrate(config);
  if (config.backend == "memory") return 0;  // nothing persistent: no schema
  return std::unexpected(unknown(config));
}

}  // namespace tessera::store
