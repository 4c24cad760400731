// A bounded pool of connections to one PostgreSQL database, shared by the postgres/ stores of
// one Stores. At most max_connections, opened lazily (an operation that finds none free opens
// one, up to the cap) and kept for reuse with their prepared statements. A connection is lent
// to one thread at a time and comes back when its Lease ends, unless it is broken or inside a
// transaction; an idle one is lent again only if nothing unread waits on its socket (a server
// that went away: connection.h reusable()). A connection that fails either test is closed and
// its slot freed, so a later operation connects afresh and service resumes by itself when the
// server comes back.
//
// Every wait is bounded by the caller's deadline: waiting for a free connection when all are
// lent out, and connecting. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/histogram.h"
#include "store/pool_state.h"
#include "store/postgres/canceller.h"
#include "store/postgres/connection.h"

namespace tessera::store::postgres {

struct PoolOptions {
  std::string dsn;                                 // StoreConfig::postgres_dsn
  std::size_t max_connections = 16;                // StoreConfig::postgres_pool; at least 1
  std::chrono::milliseconds timeout{2000};         // one operation's bound (network_timeout_ms)
  std::function<void(std::string_view)> on_error;  // StoreConfig::on_error; may be empty
  base::LatencyHistogram* latency = nullptr;       // StoreConfig::timer("postgres", "call")
};

class Pool {
 public:
  // Checks the options and the connection string's syntax (without echoing it: it may hold a
  // password). Connects to nothing yet.
  static std::expected<std::shared_ptr<Pool>, std::string> open(PoolOptions options);

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // REQUIRES: no Lease outstanding.
  ~Pool() = default;

  // A connection on loan: back to the pool when destroyed, or closed if no longer reusable.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // A free connection, else a new one if fewer than max_connections are open, else waits for
  // one to come back; all before `deadline`. Failure (kUnavailable): the reason, not yet
  // reported (the caller reports it under its own name).
  std::expected<Lease, Failure> acquire(Deadline deadline);

  // The bound of one operation, and the deadline of one starting now.
  std::chrono::milliseconds timeout() const { return options_.timeout; }
  Deadline deadline() const { return Clock::now() + options_.timeout; }

  // How many connections are lent, idle, and how many callers wait (for metrics).
  PoolState state();
  // Where every Op's duration is recorded (op.h); null: not timed.
  base::LatencyHistogram* latency() const { return options_.latency; }

  // Tells on_error (if set) "postgres: <what>: <reason>".
  void report(std::string_view what, std::string_view reason) const;

 private:
  explicit Pool(PoolOptions options)
      : options_(std::move(options)), canceller_(options_.on_error) {}
  void release(std::unique_ptr<Connection> conn);

  const PoolOptions options_;
  Canceller canceller_;  // before the connections: outlives them
  std::mutex mu_;
  std::condition_variable cv_;                     // a connection came back or a slot freed
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  std::size_t open_ = 0;     // connections alive, idle or lent (or being opened); guarded by mu_
  std::size_t waiting_ = 0;  // callers in acquire() waiting for one to come back; guarded by mu_
};

}  // namespace tessera::store::postgres
