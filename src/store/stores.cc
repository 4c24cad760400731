// The one place that picks the backends from the configuration.
#include "store/stores.h"

#include "store/memory/memory_stores.h"
#include "store/notifying_key_store.h"
#include "store/notifying_revocation_store.h"
#include "store/postgres/postgres_stores.h"
#include "store/redis/redis_stores.h"
#include "store/sqlite/sqlite_stores.h"

namespace tessera::store {
namespace {

std::string unknown(const StoreConfig& config) {
  return "unknown store backend \"" + config.backend + "\" (expected sqlite, memory or postgres)";
}

std::expected<void, std::string> check_cache(const StoreConfig& config) {
  if (config.cache.empty() || config.cache == "redis") return {};
  return std::unexpected("unknown cache \"" + config.cache + "\" (expected \"\" or redis)");
}

std::expected<Stores, std::string> open_backend(const StoreConfig& config) {
  if (config.backend == "sqlite") return sqlite::open_stores(config);
  if (config.backend == "memory") return memory::open_stores();
  if (config.backend == "postgres") return postgres::open_stores(config);
  return std::unexpected(unknown(config));
}

// The cache takes over what is hot and expiring, and the change feed; ready needs both.
std::expected<Stores, std::string> with_redis(Stores stores, const StoreConfig& config) {
  auto cache = redis::open_cache(config);
  if (!cache) return std::unexpected(cache.error());
  stores.sessions = std::move(cache->sessions);
  stores.counters = std::move(cache->counters);
  stores.revocations = std::move(cache->revocations);
  stores.changes = std::move(cache->changes);
  stores.pools.push_back(std::move(cache->pool));
  stores.ready = [backend = std::move(stores.ready), redis = std::move(cache->ready)] {
    return backend() && redis();
  };
  return stores;
}

}  // namespace

std::expected<Stores, std::string> open_stores(const StoreConfig& config) {
  if (auto ok = check_cache(config); !ok) return std::unexpected(ok.error());
  auto stores = open_backend(config);
  if (stores && !config.cache.empty()) stores = with_redis(std::move(*stores), config);
  if (!stores) return stores;
  // Key rotations reach every process on the stores through the feed (notifying_key_store.h).
  stores->keys = notifying_key_store(std::move(stores->keys), stores->changes);
  // This process's revocations wake its own follower at once (notifying_revocation_store.h);
  // the Redis cache's scripts announce them to every node themselves.
  if (config.cache.empty()) {
    stores->revocations =
        notifying_revocation_store(std::move(stores->revocations), stores->changes);
  }
  return stores;
}

std::expected<int, std::string> migrate(const StoreConfig& config) {
  if (auto ok = check_cache(config); !ok) return std::unexpected(ok.error());
  // Redis needs no schema: only the backend is migrated.
  if (config.backend == "sqlite") return sqlite::migrate(config);
  if (config.backend == "memory") return 0;  // nothing persistent: no schema
  if (config.backend == "postgres") return postgres::migrate(config);
  return std::unexpected(unknown(config));
}

}  // namespace tessera::store
