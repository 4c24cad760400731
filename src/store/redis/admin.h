// Maintenance of one key prefix, outside the stores: what an operator or a test needs to see or
// clear everything the Redis cache wrote under config.redis_prefix. Each call opens its own
// connection (bounded by config.network_timeout_ms) and walks the prefix with SCAN, so it never
// blocks the server; keys written meanwhile may or may not be seen.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "store/stores.h"

namespace tessera::store::redis {

struct KeyTtl {
  std::string key;
  std::int64_t ttl_ms = 0;  // Redis's PTTL: -1 if the key has no TTL, -2 if it is gone
};

// Every key under the prefix with its remaining TTL.
std::expected<std::vector<KeyTtl>, std::string> list_keys(const StoreConfig& config);

// Deletes every key under the prefix; returns how many.
std::expected<std::size_t, std::string> delete_keys(const StoreConfig& config);

}  // namespace tessera::store::redis
