// One store call on PostgreSQL: a pooled connection and the deadline that bounds EVERYTHING the
// call does - waiting for a free connection, connecting, and each of its statements - so that
// no call outlives StoreConfig::network_timeout_ms however many round trips it needs. Past the
// deadline the statement in flight is cancelled, the connection dropped, and the call fails
// with kUnavailable.
//
// Failures are reported through on_error as "postgres: <what>: <reason>" and come back as the
// StoreError alone; kConflict is not reported (an answer, not a fault). A call that began a
// transaction and ends (the Op is destroyed) without commit() has it rolled back.
//
//   auto op = Op::start(pool, "sessions.create");
//   if (!op) return std::unexpected(op.error());
//   if (auto begun = op->begin(); !begun) return std::unexpected(begun.error());
//   auto inserted = op->exec("INSERT ...", Params().bytea(id)...);
//   ...
//   return op->commit();
//
// Timing: each Op is one observation of the pool's latency histogram (pool.h), from start()
// (waiting for a connection included) to its destruction: the whole store call, whatever it ran.
//
// Not thread-safe: an Op belongs to the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include "store/postgres/pool.h"
#include "store/postgres/wire.h"

namespace tessera::store::postgres {

class Op {
 public:
  enum class Isolation : std::uint8_t {
    kReadCommitted,       // writes: each statement sees what committed before it started
    kRepeatableReadOnly,  // reads of several statements that must agree: one snapshot
  };

  // Starts the call `what` (a static name: "users.create") with a connection from `pool`.
  // REQUIRES: `pool` outlives the Op.
  static std::expected<Op, StoreError> start(Pool& pool, std::string_view what);
  static std::expected<Op, StoreError> start(Pool& pool, std::string_view what, Deadline deadline);

  Op(Op&& other) noexcept
      : pool_(other.pool_),
        lease_(std::move(other.lease_)),
        what_(other.what_),
        deadline_(other.deadline_),
        in_transaction_(std::exchange(other.in_transaction_, false)),
        latency_(std::exchange(other.latency_, nullptr)),
        started_(other.started_) {}
  Op& operator=(Op&&) = delete;
  ~Op();

  std::expected<void, StoreError> begin(Isolation isolation = Isolation::kReadCommitted);
  // Runs one statement (connection.h: prepared once per connection, binary parameters and
  // results).
  std::expected<Result, StoreError> exec(std::string_view sql, const Params& params = {});
  // Commits; a transaction that failed earlier is not committed (kUnavailable).
  std::expected<void, StoreError> commit();
  // Ends the transaction without keeping anything. If that cannot be done in time the
  // connection is dropped instead (closing it ends the transaction on the server).
  void rollback();
  bool in_transaction() const { return in_transaction_; }

  // Reports a row of `table` that did not decode: kCorrupt.
  StoreError corrupt(std::string_view table);

 private:
  Op(Pool& pool, Pool::Lease lease, std::string_view what, Deadline deadline,
     std::chrono::steady_clock::time_point started)
      : pool_(&pool),
        lease_(std::move(lease)),
        what_(what),
        deadline_(deadline),
        latency_(pool.latency()),
        started_(started) {}
  StoreError fail(const Failure& f);

  Pool* pool_;
  Pool::Lease lease_;
  std::string_view what_;
  Deadline deadline_;
  bool in_transaction_ = false;
  base::LatencyHistogram* latency_;  // null once moved from: the new owner observes
  std::chrono::steady_clock::time_point started_;
};

}  // namespace tessera::store::postgres
