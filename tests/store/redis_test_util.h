// Redis for the store suites. The shared server comes from TESSERA_TEST_REDIS_URL (set by
// scripts/test.sh, which starts one with scripts/local-services.sh); each test takes its own
// random key prefix and deletes its keys afterwards. Fault tests start a private server they
// can stop, restart or freeze (PrivateRedis, on local_services.h).
#pragma once

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <random>
#include <string>

#include "local_services.h"
#include "store/redis/admin.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store::testing {

inline constexpr const char* kRedisHowTo =
    "TESSERA_TEST_REDIS_URL is not set, so the Redis tests cannot run. Run scripts/test.sh "
    "(it starts a throwaway Redis), or start one yourself: eval \"$(scripts/local-services.sh "
    "start /tmp/tessera-redis redis)\" && export TESSERA_TEST_REDIS_URL, run the tests, then "
    "scripts/local-services.sh stop /tmp/tessera-redis";

// "tessera-test:<16 random hex digits>:": no two tests (or runs) share keys.
inline std::string random_prefix() {
  std::random_device rd;
  const std::uint64_t r = (std::uint64_t{rd()} << 32) | rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r));
  return std::string("tessera-test:") + buf + ":";
}

// Points `config` at the shared test Redis under a fresh prefix. Without
// TESSERA_TEST_REDIS_URL: a test failure saying how to run the tests, and false.
inline bool use_test_redis(StoreConfig& config) {
  const char* url = std::getenv("TESSERA_TEST_REDIS_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << kRedisHowTo;
    return false;
  }
  config.cache = "redis";
  config.redis_url = url;
  config.redis_prefix = random_prefix();
  return true;
}

// Deletes every key under config's prefix (a test's TearDown).
inline void drop_prefix(const StoreConfig& config) {
  auto deleted = redis::delete_keys(config);
  EXPECT_TRUE(deleted) << deleted.error();
}

// A Redis of the test's own (LocalServices), stopped with its files on destruction. url() is
// empty (and the test failed) if it could not start.
class PrivateRedis {
 public:
  PrivateRedis() {
    if (!services_.error().empty()) ADD_FAILURE() << services_.error();
  }

  const std::string& url() const { return services_.redis_url(); }
  bool stop() { return services_.stop(kRedis); }
  bool restart() { return services_.restart(kRedis); }
  // SIGSTOP / SIGCONT the server: the kernel still accepts connections, nothing answers - a
  // hung server or a silent network.
  bool freeze() { return services_.freeze(kRedis); }
  bool thaw() { return services_.thaw(kRedis); }

 private:
  static constexpr LocalServices::Service kRedis = LocalServices::Service::kRedis;
  LocalServices services_{kRedis};
};

}  // namespace tessera::store::testing
