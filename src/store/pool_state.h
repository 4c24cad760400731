// How full a store's connection pool is, for metrics: sampled at scrape time, never on the
// request path. Every pooled backend (sqlite/database.h, postgres/pool.h, redis/pool.h) answers
// the same shape, so the metrics are written once (app/server_metrics.cc).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace tessera::store {

// One pool at one instant (read under the pool's lock: the three agree with each other).
struct PoolState {
  std::size_t in_use = 0;   // lent out, or being opened
  std::size_t idle = 0;     // open and free
  std::size_t waiting = 0;  // callers waiting for a connection to come back
};

// One pool of a Stores: its backend ("sqlite", "postgres", "redis") and how to read it.
// `state` is thread-safe and quick (one lock); it keeps the pool alive.
struct PoolProbe {
  std::string backend;
  std::function<PoolState()> state;
};

}  // namespace tessera::store
