// [store] and [cache]: where the data lives. Every key is a member below with its default and
// meaning; config_stores.cc binds and checks them.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct StoreSection {
  static constexpr std::string_view kName = "store";

  // "sqlite" | "memory" | "postgres" (memory: nothing survives a restart; postgres: scale-out,
  // every node on one database).
  std::string backend = "sqlite";
  std::string data_dir = "./tessera-data";  // keys and the SQLite file; created 0700
  std::string postgres_dsn;                 // SECRET (may hold a password): libpq conninfo or URI
  std::size_t postgres_pool = 16;           // connections per node
  // PostgreSQL/Redis: connect and per-operation bound; beyond it the request fails closed (503)
  // and the link is re-made.
  std::chrono::seconds network_timeout{2};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct CacheSection {
  static constexpr std::string_view kName = "cache";

  // "" | "redis": sessions, rate-limit counters, the revocation state in Redis, and revocations
  // broadcast to every node.
  std::string backend;
  std::string redis_url;  // SECRET (may hold a password): redis://[:pw@]host:port[/db]
  std::string redis_prefix = "tessera:";  // every key starts with it
  std::size_t redis_pool = 16;            // connections per node

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
