#include "app/config_stores.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;

std::vector<Field> StoreSection::fields() {
  return {
      {kName, "backend", &backend,
       "`sqlite` (one file in `data_dir`), `memory` (nothing survives a restart: tests and "
       "benchmarks) or `postgres` (scale-out: every node on one database; needs `postgres_dsn`, "
       "`tokens.issuer` and `keys.encryption_key`)."},
      {kName, "data_dir", &data_dir,
       "Directory of the SQLite database (`tessera.db`) and of the master key file (`master.key`); "
       "created with mode 0700."},
      {kName, "postgres_dsn", &postgres_dsn,
       "With `backend = \"postgres\"`: a libpq connection string or URI (`host=db dbname=tessera "
       "user=tessera`, `postgresql://user@host:5432/db`). A secret: it may hold a password.",
       /*secret=*/true},
      {kName, "postgres_pool", &postgres_pool, "PostgreSQL connections per node at most. 1..1000."},
      {kName, "network_timeout", &network_timeout,
       "PostgreSQL and Redis: the bound on connecting and on each operation; beyond it the request "
       "fails closed (503) and the connection is made again. 1s..1m."},
  };
}

// What [store] needs of other sections is checked with the rest of the cross-section rules
// (config.cc).
std::optional<Problem> StoreSection::check() const {
  if (!one_of(backend, {"sqlite", "memory", "postgres"})) {
    return Problem{"backend", "must be \"sqlite\", \"memory\" or \"postgres\""};
  }
  if (data_dir.empty()) return Problem{"data_dir", "must not be empty"};
  if ((backend == "postgres") != !postgres_dsn.empty()) {
    return Problem{"postgres_dsn", backend == "postgres"
                                       ? "must be set when store.backend is \"postgres\""
                                       : "is only used when store.backend is \"postgres\""};
  }
  if (postgres_pool < 1 || postgres_pool > 1000) return Problem{"postgres_pool", "must be 1..1000"};
  if (network_timeout < std::chrono::seconds(1) || network_timeout > std::chrono::seconds(60)) {
    return Problem{"network_timeout", "must be 1s..1m"};
  }
  return std::nullopt;
}

std::vector<Field> CacheSection::fields() {
  return {
      {kName, "backend", &backend,
       "`\"\"` (none: the store keeps everything) or `redis`: sessions, rate-limit counters and "
       "the revocation state live in Redis, and revocations are broadcast to every node."},
      {kName, "redis_url", &redis_url,
       "With `backend = \"redis\"`: `redis://[:password@]host:port[/db]`. A secret: it may hold a "
       "password.",
       /*secret=*/true},
      {kName, "redis_prefix", &redis_prefix,
       "Every Redis key starts with it, so several deployments can share one Redis. Not empty."},
      {kName, "redis_pool", &redis_pool, "Redis connections per node at most. 1..1000."},
  };
}

std::optional<Problem> CacheSection::check() const {
  if (!one_of(backend, {"", "redis"}))
    return Problem{"backend", "must be \"\" (none) or \"redis\""};
  if ((backend == "redis") != !redis_url.empty()) {
    return Problem{"redis_url", backend == "redis"
                                    ? "must be set when cache.backend is \"redis\""
                                    : "is only used when cache.backend is \"redis\""};
  }
  if (backend == "redis" && !redis_url.starts_with("redis://")) {
    return Problem{"redis_url", "must be a redis:// URL"};
  }
  if (redis_prefix.empty()) return Problem{"redis_prefix", "must not be empty"};
  if (redis_pool < 1 || redis_pool > 1000) return Problem{"redis_pool", "must be 1..1000"};
  return std::nullopt;
}

}  // namespace tessera::app
