// Redis for the store suites. The shared server comes from TESSERA_TEST_REDIS_URL (set by
// scripts/test.sh, which starts one with scripts/local-services.sh); each test takes its own
// random key prefix and deletes its keys afterwards. Fault tests start a private server they
// can stop, restart or freeze (PrivateRedis).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

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

// A Redis of the test's own (scripts/local-services.sh in a temp dir), stopped with its files
// on destruction. url() is empty (and the test failed) if it could not start.
class PrivateRedis {
 public:
  PrivateRedis() : dir_(parent_.path() / "services") {
    const std::string cmd = script() + " start '" + dir_.string() + "' redis";
    FILE* out = ::popen(cmd.c_str(), "r");
    if (out == nullptr) {
      ADD_FAILURE() << "cannot run " << cmd;
      return;
    }
    std::string text;
    char buf[256];
    while (std::fgets(buf, sizeof buf, out) != nullptr) text += buf;
    const int status = ::pclose(out);
    // TESSERA_TEST_REDIS_URL='redis://127.0.0.1:PORT'
    const auto start = text.find("redis://");
    const auto end = text.find('\'', start);
    if (status != 0 || start == std::string::npos || end == std::string::npos) {
      ADD_FAILURE() << cmd << " failed: " << text;
      return;
    }
    url_ = text.substr(start, end - start);
  }
  ~PrivateRedis() {
    if (frozen_) thaw();
    run("stop '" + dir_.string() + "'");
  }
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  const std::string& url() const { return url_; }
  bool stop() { return run("stop-one '" + dir_.string() + "' redis"); }
  bool restart() { return run("restart-one '" + dir_.string() + "' redis"); }
  // SIGSTOP / SIGCONT the server (by the PID local-services.sh recorded): the kernel still
  // accepts connections, nothing answers - a hung server or a silent network.
  bool freeze() { return frozen_ = signal(SIGSTOP); }
  bool thaw() {
    frozen_ = false;
    return signal(SIGCONT);
  }

 private:
  static std::string script() { return TESSERA_LOCAL_SERVICES; }
  bool run(const std::string& args) {
    return std::system((script() + " " + args + " >/dev/null").c_str()) == 0;
  }
  bool signal(int sig) {
    std::ifstream in(dir_ / "redis" / "pid");
    pid_t pid = 0;
    return (in >> pid) && pid > 0 && ::kill(pid, sig) == 0;
  }

  TempDir parent_;
  std::filesystem::path dir_;
  std::string url_;
  bool frozen_ = false;
};

}  // namespace tessera::store::testing
