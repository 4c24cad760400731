// The Redis cache (StoreConfig::cache = "redis"): sessions, rate-limit counters and the
// revocation state in Redis, and the change feed over its PUBLISH/SUBSCRIBE, shared by every
// node. store/stores.cc puts these in place of the backend's own.
//
// Keys all start with StoreConfig::redis_prefix and every key has a TTL (scripts.h has the
// layout). TTLs are measured by Redis's clock from the write, never from the times the callers
// pass (those come from the callers' clocks, which need not agree with Redis's), and bound how
// long anything outlives its use: a session its absolute lifetime
// (session_max_lifetime_seconds), a counter its window, a denylist entry its expiry, a
// not-before not_before_keep_seconds. The store contracts still hold as written: purge() is
// what removes records by the callers' notion of time; a TTL only ever removes what purge()
// would have.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "store/stores.h"

namespace tessera::store::redis {

struct Cache {
  std::shared_ptr<SessionStore> sessions;
  std::shared_ptr<CounterStore> counters;
  std::shared_ptr<RevocationStore> revocations;
  std::shared_ptr<ChangeFeed> changes;
  // Whether Redis answers PING within config.network_timeout_ms.
  std::function<bool()> ready;
  PoolProbe pool;  // the client's connection pool ("redis")
};

// Checks config.redis_url and sets up the connection pool. Nothing connects here: the first
// operation does, so a process starts while Redis is down and is ready once it answers.
// Errors (a malformed URL, a non-positive lifetime) are messages for logs.
std::expected<Cache, std::string> open_cache(const StoreConfig& config);

}  // namespace tessera::store::redis
