// A bounded pool of Redis connections, opened lazily (the first operation connects, so a
// process starts while Redis is down and works once it answers), each bounded by the network
// timeout. A lease that saw an error drops its connection; the next lease opens a new one,
// which is how service resumes by itself after Redis comes back. Idle connections the server
// closed (a restart) are noticed and dropped when leased, before a command is lost on them.
//
// Thread-safe. Waiting for a free connection is bounded by the same timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/pool_state.h"
#include "store/redis/connection.h"
#include "store/redis/url.h"

namespace tessera::store::redis {

class Pool {
 public:
  // At most `max_connections` (at least 1) open at once.
  Pool(RedisUrl url, std::size_t max_connections, std::chrono::milliseconds timeout);
  ~Pool();  // REQUIRES: no lease outstanding
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Exclusive use of one connection until destroyed; it goes back to the pool unless broken.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // A connection: an idle one, a new one if fewer than the maximum are open, or the first
  // returned within the timeout. Errors are messages (connect failed, timed out waiting).
  std::expected<Lease, std::string> acquire();

  std::chrono::milliseconds timeout() const { return timeout_; }

  // How many connections are lent, idle, and how many callers wait (for metrics).
  PoolState state();

 private:
  void release(std::unique_ptr<Connection> conn);

  const RedisUrl url_;
  const std::size_t max_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  std::size_t open_ = 0;                           // idle + leased + connecting; guarded by mu_
  std::size_t waiting_ = 0;  // callers in acquire() waiting for one to come back; guarded by mu_
};

}  // namespace tessera::store::redis
