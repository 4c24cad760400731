// PostgreSQL and/or Redis of one test's own, for the tests that stop, restart or freeze them
// (outages, kill -9): scripts/local-services.sh (its path is TESSERA_LOCAL_SERVICES, defined by
// the test target) run in a fresh temp dir. The destructor stops whatever is still running, by
// the PIDs the script recorded, and removes its files - also when an assertion returned early.
//
// Usage:
//   LocalServices services({Service::kPostgres, Service::kRedis});
//   ASSERT_TRUE(services.error().empty()) << services.error();
//   ... services.postgres_dsn(), services.redis_url() ...
//   ASSERT_TRUE(services.stop(Service::kRedis));
//   ASSERT_TRUE(services.restart(Service::kRedis));  // same port; PostgreSQL keeps its data
#pragma once

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "store_test_util.h"

#ifndef TESSERA_LOCAL_SERVICES
#error "TESSERA_LOCAL_SERVICES must name scripts/local-services.sh (target_compile_definitions)"
#endif

namespace tessera::store::testing {

class LocalServices {
 public:
  enum class Service { kPostgres, kRedis };

  // Starts `services` (PostgreSQL with durability off, --fast: test data only). On failure
  // error() says why and nothing is left running.
  explicit LocalServices(std::initializer_list<Service> services)
      : dir_(parent_.path() / "services") {
    std::string args = "start '" + dir_.string() + "' --fast";
    for (Service s : services) args += std::string(" ") + name(s);
    std::string out;
    if (!run(args, &out)) {
      error_ = "local-services.sh " + args + " failed: " + out;
      return;
    }
    // One line per server: NAME='value'.
    auto value = [&out](const std::string& name) {
      const std::string key = name + "='";
      const auto at = out.find(key);
      const auto end = at == std::string::npos ? at : out.find('\'', at + key.size());
      return end == std::string::npos ? std::string()
                                      : out.substr(at + key.size(), end - at - key.size());
    };
    for (Service s : services) {
      std::string& slot = s == Service::kPostgres ? postgres_dsn_ : redis_url_;
      slot =
          value(s == Service::kPostgres ? "TESSERA_TEST_POSTGRES_DSN" : "TESSERA_TEST_REDIS_URL");
      if (slot.empty()) error_ = "local-services.sh printed no address for " + name(s) + ": " + out;
    }
  }
  ~LocalServices() {
    for (Service s : {Service::kPostgres, Service::kRedis}) {
      if (frozen(s)) signal(s, SIGCONT);  // a stopped process ignores TERM until continued
    }
    run("stop '" + dir_.string() + "'", nullptr);
  }
  LocalServices(const LocalServices&) = delete;
  LocalServices& operator=(const LocalServices&) = delete;

  // Empty when every server asked for runs.
  const std::string& error() const { return error_; }
  // The superuser's connection string ("" if PostgreSQL was not asked for).
  const std::string& postgres_dsn() const { return postgres_dsn_; }
  // redis://127.0.0.1:PORT ("" if Redis was not asked for).
  const std::string& redis_url() const { return redis_url_; }

  // Stops one server (and waits until it has exited).
  bool stop(Service s) { return run("stop-one '" + dir_.string() + "' " + name(s), nullptr); }
  // Starts it again on the same port (PostgreSQL with its data; Redis empty: no persistence).
  bool restart(Service s) { return run("restart-one '" + dir_.string() + "' " + name(s), nullptr); }
  // SIGSTOP / SIGCONT: the kernel still accepts connections and nothing answers - a hung server
  // or a silent network.
  bool freeze(Service s) {
    const bool ok = signal(s, SIGSTOP);
    if (ok) frozen(s) = true;
    return ok;
  }
  bool thaw(Service s) {
    frozen(s) = false;
    return signal(s, SIGCONT);
  }

 private:
  static std::string name(Service s) { return s == Service::kPostgres ? "postgres" : "redis"; }

  // Runs the script with `args`, its stdout and stderr into `out` (if given). Whether it
  // exited 0.
  static bool run(const std::string& args, std::string* out) {
    const std::string command = std::string(TESSERA_LOCAL_SERVICES) + " " + args + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return false;
    char buffer[512];
    std::string text;
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
    const int status = ::pclose(pipe);
    if (out != nullptr) *out = text;
    return status == 0;
  }

  // Signals the server by the PID the script recorded (DIR/pg/pid, DIR/redis/pid).
  bool signal(Service s, int sig) {
    std::ifstream in(dir_ / (s == Service::kPostgres ? "pg" : "redis") / "pid");
    pid_t pid = 0;
    return (in >> pid) && pid > 0 && ::kill(pid, sig) == 0;
  }
  bool& frozen(Service s) { return s == Service::kPostgres ? pg_frozen_ : redis_frozen_; }

  TempDir parent_;  // first: destroyed last, after the servers are stopped
  std::filesystem::path dir_;
  std::string error_;
  std::string postgres_dsn_;
  std::string redis_url_;
  bool pg_frozen_ = false;
  bool redis_frozen_ = false;
};

}  // namespace tessera::store::testing
