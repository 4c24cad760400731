// Which stores the servers and CLI runs of one HTTP test use, chosen by TESSERA_TEST_BACKEND:
//   unset or "sqlite"   the embedded default: the data dir the test gives them;
//   "postgres+redis"    the scale-out deployment: a scratch database on the PostgreSQL server of
//                       TESSERA_TEST_POSTGRES_DSN and a fresh key prefix on the Redis server of
//                       TESSERA_TEST_REDIS_URL (scripts/test.sh starts both), with a random
//                       keys.encryption_key and one tokens.issuer that every process of the
//                       test shares.
// The choice travels as TESSERA_* environment variables of this test process (set by the
// constructor, removed by the destructor), which every `tessera` child inherits and which beat
// any config file (SPEC.md "Running"). CTest runs each test in its own process, so one test's
// variables never meet another's. The scratch database is dropped and the prefix's keys
// deleted at the end. Suites that always run scale-out (tests/cluster) name the servers
// themselves: BackendEnv(ScaleOutServers), with the shared ones or servers of their own.
//
// REQUIRES: the test links tessera_store and PkgConfig::PQ, with tests/store on its include
// path (postgres_test_util.h).
#pragma once

#include <stdlib.h>

#include <expected>
#include <memory>
#include <random>
#include <string>

#include "postgres_test_util.h"
#include "store/redis/admin.h"
#include "store/stores.h"

namespace tessera::http::testing {

// The servers of a scale-out deployment under test.
struct ScaleOutServers {
  std::string postgres;  // libpq connection string of a superuser (scratch databases are made)
  std::string redis;     // redis://host:port
};

// The shared test servers, TESSERA_TEST_POSTGRES_DSN and TESSERA_TEST_REDIS_URL, or an error
// saying how to provide them.
inline std::expected<ScaleOutServers, std::string> shared_scale_out_servers() {
  auto postgres = store::testing::postgres_dsn();
  if (!postgres) return std::unexpected(postgres.error());
  const char* redis = std::getenv("TESSERA_TEST_REDIS_URL");
  if (redis == nullptr || *redis == '\0') {
    return std::unexpected(
        "TESSERA_TEST_REDIS_URL is not set: run through scripts/test.sh, or start servers "
        "with scripts/local-services.sh and export what it prints");
  }
  return ScaleOutServers{*postgres, redis};
}

class BackendEnv {
 public:
  // The deployment TESSERA_TEST_BACKEND names, on the shared test servers.
  BackendEnv() {
    const char* backend = std::getenv("TESSERA_TEST_BACKEND");
    name_ = backend == nullptr || *backend == '\0' ? "sqlite" : backend;
    if (name_ == "sqlite") return;
    if (name_ != "postgres+redis") {
      error_ = "TESSERA_TEST_BACKEND must be sqlite or postgres+redis, not " + name_;
      return;
    }
    auto servers = shared_scale_out_servers();
    if (!servers) {
      error_ = servers.error();
      return;
    }
    scale_out(*servers);
  }
  // "postgres+redis" on `servers` (the shared ones, or a test's own that it stops and restarts),
  // whatever TESSERA_TEST_BACKEND says.
  explicit BackendEnv(const ScaleOutServers& servers) : name_("postgres+redis") {
    scale_out(servers);
  }
  ~BackendEnv() {
    for (const char* name : kVariables) ::unsetenv(name);
    if (!redis_.redis_prefix.empty()) (void)store::redis::delete_keys(redis_);
  }
  BackendEnv(const BackendEnv&) = delete;
  BackendEnv& operator=(const BackendEnv&) = delete;

  // "sqlite" or "postgres+redis".
  const std::string& name() const { return name_; }
  bool networked() const { return name_ != "sqlite"; }
  // Non-empty when the requested backend could not be set up: the test must fail with it.
  const std::string& error() const { return error_; }
  // The access tokens' "iss" the servers are given (networked stores need one shared issuer);
  // "" for sqlite, where it defaults to each server's own URL.
  std::string issuer() const { return networked() ? kIssuer : ""; }
  // The scratch database's connection string ("" for sqlite), for tests that look inside.
  std::string postgres_dsn() const { return db_ ? db_->dsn() : std::string(); }

 private:
  static constexpr const char* kIssuer = "https://tessera.test";
  static constexpr const char* kVariables[] = {
      "TESSERA_STORE__BACKEND",   "TESSERA_STORE__POSTGRES_DSN", "TESSERA_CACHE__BACKEND",
      "TESSERA_CACHE__REDIS_URL", "TESSERA_CACHE__REDIS_PREFIX", "TESSERA_KEYS__ENCRYPTION_KEY",
      "TESSERA_TOKENS__ISSUER"};
  // A scratch database on servers.postgres, a fresh prefix on servers.redis, a random master
  // key: into the environment.
  void scale_out(const ScaleOutServers& servers) {
    auto db = store::testing::ScratchDatabase::create(servers.postgres);
    if (!db) {
      error_ = db.error();
      return;
    }
    db_ = std::move(*db);
    std::random_device random;
    redis_.cache = "redis";
    redis_.redis_url = servers.redis;
    redis_.redis_prefix = "tessera-http-" + std::to_string(random()) + ":";
    std::string key;  // 32 random bytes as base64url (43 characters)
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 42; ++i) key.push_back(kAlphabet[random() % 64]);
    key.push_back(kAlphabet[(random() % 16) * 4]);  // the last 2 bits are padding: zero
    set("TESSERA_STORE__BACKEND", "postgres");
    set("TESSERA_STORE__POSTGRES_DSN", db_->dsn());
    set("TESSERA_CACHE__BACKEND", "redis");
    set("TESSERA_CACHE__REDIS_URL", servers.redis);
    set("TESSERA_CACHE__REDIS_PREFIX", redis_.redis_prefix);
    set("TESSERA_KEYS__ENCRYPTION_KEY", key);
    set("TESSERA_TOKENS__ISSUER", kIssuer);
  }
  static void set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

  std::string name_;
  std::string error_;
  std::unique_ptr<store::testing::ScratchDatabase> db_;
  store::StoreConfig redis_;
};

}  // namespace tessera::http::testing
