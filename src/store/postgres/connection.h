// One libpq connection with its prepared statements, every step bounded by a deadline: the only
// code that drives the protocol. Connecting is PQconnectStart + PQconnectPoll; a statement is
// PQsendPrepare (once per connection and SQL text) + PQsendQueryPrepared, or PQsendQuery for
// SQL text; in every case the calling thread then poll()s PQsocket against the deadline and
// feeds libpq with PQconsumeInput until PQisBusy says a result is complete.
//
// A connection that timed out, lost its server or answered with a fatal error is BROKEN: the
// pool drops it and a later operation opens a new one, so service resumes by itself when the
// server comes back. A statement that timed out is also cancelled (through the Canceller) so
// the server does not go on working, holding locks or committing, for a client that left.
//
// On every new connection the server is told statement_timeout = 2 x the operation bound and
// idle_in_transaction_session_timeout = the same: a backstop that ends a statement whose cancel
// request was lost, and a transaction whose client vanished.
//
// Not thread-safe: one thread at a time (the pool lends it out).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/postgres/canceller.h"
#include "store/postgres/wire.h"
#include "store/types.h"

namespace tessera::store::postgres {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// Why a call failed: the StoreError its caller returns, and a one-line reason for on_error.
// Reasons carry SQLSTATEs and libpq's or the server's primary messages, never parameter values
// (which may be token hashes) and never the connection string (which may hold a password).
struct Failure {
  StoreError error = StoreError::kUnavailable;
  std::string reason;
};

// kConflict for integrity constraint violations (SQLSTATE class 23: a unique key taken, a
// foreign key missing; like SQLite's SQLITE_CONSTRAINT), kCorrupt for data_corrupted and
// index_corrupted (XX001, XX002), kUnavailable for everything else: connection failures,
// timeouts, cancellations, and SQL errors (a schema that is not what this binary expects must
// fail closed).
StoreError to_store_error(std::string_view sqlstate);

// `text` on one line (newlines and tabs become spaces, trailing ones dropped), at most 300
// bytes: what on_error receives.
std::string one_line(std::string_view text);

class Connection {
 public:
  // Connects to `dsn` (any libpq connection string or URI) and configures the session, all
  // before `deadline`. `server_timeout` is the backstop described above. The canceller must
  // outlive the connection. Error: a message for logs (no secrets).
  // One wait the deadline cannot bound: libpq resolves a host NAME with a blocking
  // getaddrinfo() when connecting starts. Where DNS may hang, configure an address (host=IP,
  // or hostaddr=).
  static std::expected<std::unique_ptr<Connection>, std::string> open(
      const std::string& dsn, std::chrono::milliseconds server_timeout, Canceller& canceller,
      Deadline deadline);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` with `params`, results in binary. The statement is prepared on this connection
  // at its first use and reused after.
  std::expected<Result, Failure> execute(std::string_view sql, const Params& params,
                                         Deadline deadline);
  // Runs SQL text without parameters through the simple protocol (several statements allowed:
  // BEGIN/COMMIT, SET, migrations); results in text. The first error, else the last result.
  std::expected<Result, Failure> execute_script(const std::string& sql, Deadline deadline);

  // Whether it can be kept for later: not broken, connected, not in a transaction. No system
  // call (the pool asks this of every connection that comes back).
  bool keepable() const;
  // Whether it can be lent out now: keepable() and nothing unread on its socket (an idle
  // connection receives nothing, except the FATAL message of a server that is shutting down,
  // and EOF). One poll(2) with no timeout: does not block.
  bool reusable();
  // After this, keepable() and reusable() are false: the pool drops it.
  void mark_broken() { broken_ = true; }

 private:
  Connection(PGconn* conn, Canceller& canceller) : conn_(conn), canceller_(canceller) {}

  // Sends what libpq has buffered, then collects every result of the statement sent.
  std::expected<Result, Failure> finish(Deadline deadline);
  // Marks the connection broken and builds the failure for a lost connection.
  Failure lost(std::string_view what);
  // Cancels the running statement, marks the connection broken: kUnavailable.
  Failure timed_out();

  PGconn* conn_;
  Canceller& canceller_;
  bool broken_ = false;
  // SQL text -> the name it was prepared under on this connection.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> statements_;
};

}  // namespace tessera::store::postgres
