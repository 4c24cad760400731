// The SQLite plumbing under the sqlite/ stores: connections with their prepared statements, a
// small pool, write transactions, and the mapping from SQLite result codes to StoreError.
//
// Concurrency model. A sqlite3 connection may be used by one thread at a time (it is opened
// with SQLITE_OPEN_NOMUTEX; the pool guarantees exclusive use instead of a per-call mutex).
// We pool connections rather than keep one per thread because the threads that call the stores
// (I/O threads, the password-hash pool, CLI and test threads) come and go and outnumber the
// connections that are useful: a bounded pool caps file descriptors and page-cache memory, each
// connection keeps its prepared statements across uses, and no thread_local state outlives the
// Database. In WAL mode readers never block the writer nor each other, so reads only need a
// free connection. SQLite allows one writer per database file: every write runs as BEGIN
// IMMEDIATE ... COMMIT (the write lock is taken up front, so busy_timeout applies and a
// transaction never fails half-way on a lock upgrade), and writers of this process first queue
// in-process and are committed in groups (Database::write), so they hand over to each other at
// once instead of polling in SQLite's busy handler, and share commits under load; busy_timeout
// only covers other processes (the CLI beside a server).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/histogram.h"
#include "store/pool_state.h"
#include "store/types.h"

namespace tessera::store::sqlite {

// kUnavailable for busy/locked/I/O/permission/full/cannot-open, kCorrupt for a damaged file or
// a file that is not a database, kConflict for constraint violations, kUnavailable otherwise
// (an SQL error here means the schema is not what this binary expects: fail closed).
StoreError to_store_error(int rc);

struct Options {
  std::string path;                 // the database file; created (mode 0600) if absent
  int busy_timeout_ms = 5000;       // see StoreConfig::sqlite_busy_timeout_ms
  std::size_t max_connections = 0;  // pool size cap; 0: 2 per hardware thread, at least 4
  std::function<void(std::string_view)> on_error;  // see StoreConfig::on_error
  // WAL checkpoints (checkpointer.h): every start_pages frames of WAL growth wake the checkpoint
  // thread; a commit that leaves the WAL at force_pages or more checkpoints on the writer.
  int checkpoint_start_pages = 1000;  // SQLite's own wal_autocheckpoint default
  int checkpoint_force_pages = 8000;  // about 32 MiB of WAL at 4 KiB pages
  // Where read()/read_transaction() and write() calls are timed (StoreConfig::timer "sqlite"
  // "read" and "write"), each from its call to its return; null: not timed. Must outlive the
  // Database.
  base::LatencyHistogram* read_latency = nullptr;
  base::LatencyHistogram* write_latency = nullptr;
};

class Checkpointer;

// One prepared statement in use: bind, step, read columns. Resets itself (and so ends its
// implicit read transaction) when it goes out of scope, so a statement never pins a WAL snapshot.
// Bind failures are remembered and reported by the next step().
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// Reads the current row's columns with type checks. The first column whose type or size is
// not what the schema promises marks the row corrupt (ok() false); values read after that are
// defaults. STRICT tables make that a sign of tampering or a bug, never of user input.
class Row {
 public:
  explicit Row(const Statement& s) : stmt_(s.get()) {}
  std::int64_t integer(int col);
  std::string text(int col);
  // A BLOB of any length (empty included), as bytes.
  std::string bytes(int col);
  template <std::size_t N>
  std::array<std::uint8_t, N> blob(int col) {
    std::array<std::uint8_t, N> out{};
    read_blob(col, out);
    return out;
  }
  template <std::size_t N>
  std::optional<std::array<std::uint8_t, N>> nullable_blob(int col) {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return blob<N>(col);
  }
  void mark_corrupt() { ok_ = false; }
  bool ok() const { return ok_; }

 private:
  void read_blob(int col, std::span<std::uint8_t> out);
  sqlite3_stmt* stmt_;
  bool ok_ = true;
};

// One sqlite3 connection and its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  // Opens `options.path` and applies the per-connection settings (busy_timeout, foreign_keys,
  // synchronous=NORMAL, trusted_schema=OFF). `create`: whether a missing file may be created
  // (only the first connection: later ones must not silently start an empty database if the
  // file was deleted under a running server).
  static std::expected<std::unique_ptr<Connection>, std::string> open(const Options& options,
                                                                      bool create);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached prepared statement for `sql` (prepared on first use). Error: an SQLite code.
  std::expected<Statement, int> prepare(std::string_view sql);
  // Runs SQL text without results (pragmas, migrations).
  int exec(const char* sql);
  // Runs one statement without results from the statement cache: for the transaction control
  // of every write (BEGIN IMMEDIATE, COMMIT, SAVEPOINT...), which exec() would parse anew each
  // time. SQLITE_OK or an error code.
  int run(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  std::string errmsg() const { return sqlite3_errmsg(db_); }
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> statements_;
};

class Database {
 public:
  // Creates the file (0600) if absent, opens the first connection and switches the database to
  // WAL. Does not migrate (see migrations.h).
  static std::expected<std::shared_ptr<Database>, std::string> open(Options options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // A connection on loan; goes back to the pool when destroyed, or is closed instead if an
  // error left it suspect (see fail()).
  class Lease {
   public:
    Lease(Database* db, std::unique_ptr<Connection> conn) : db_(db), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    friend class Database;
    Database* db_;
    std::unique_ptr<Connection> conn_;
    bool discard_ = false;
    bool writer_ = false;  // the writers' own connection: goes back to Database::writer_
  };

  // A free connection, opening one if the pool is below its cap, else waiting for one up to
  // busy_timeout (then kUnavailable).
  std::expected<Lease, StoreError> acquire();

  // Turns an SQLite code from `lease`'s connection into a StoreError, reports it through
  // on_error (with `what` and SQLite's message), and retires the connection if the code says
  // the file or the connection may be damaged.
  StoreError fail(Lease& lease, int rc, std::string_view what);
  // Reports a row that did not decode.
  StoreError corrupt(std::string_view what);
  // Reports a timeout (kUnavailable).
  StoreError busy(std::string_view what);

  // Runs `fn(Connection&)` -> std::expected<T, StoreError> on a pooled connection, as is: one
  // statement is its own consistent snapshot, so reads need no explicit transaction.
  template <typename F>
  auto read(F&& fn) -> decltype(fn(std::declval<Lease&>())) {
    base::ScopedLatency timed(options_.read_latency);
    auto lease = acquire();
    if (!lease) return std::unexpected(lease.error());
    return fn(*lease);
  }

  // Runs `fn(Lease&)` -> std::expected<T, StoreError> inside one read transaction (BEGIN ...
  // COMMIT), for reads of several statements that must agree with each other: in WAL mode the
  // first read fixes the snapshot every later statement sees. Takes no write lock and does not
  // queue behind writers.
  template <typename F>
  auto read_transaction(F&& fn) -> decltype(fn(std::declval<Lease&>())) {
    base::ScopedLatency timed(options_.read_latency);
    auto lease = acquire();
    if (!lease) return std::unexpected(lease.error());
    if (int rc = (*lease)->exec("BEGIN"); rc != SQLITE_OK) {
      return std::unexpected(fail(*lease, rc, "begin"));
    }
    auto result = fn(*lease);
    // Nothing to keep: ending it either way only releases the snapshot.
    if (!sqlite3_get_autocommit((*lease)->raw())) (*lease)->exec("ROLLBACK");
    return result;
  }

  // Runs `fn(Lease&)` -> std::expected<T, StoreError> as a write: all or nothing, and serialised
  // with every other write to the file (this process's and other processes').
  //
  // Group commit. Writers of this process queue; whoever finds no write in progress becomes the
  // leader and runs a batch of queued writes (its own among them, up to kMaxBatch, in queue
  // order) inside ONE BEGIN IMMEDIATE ... COMMIT, each write in its own SAVEPOINT. So a batch
  // behaves exactly like the same writes run one after another: each sees the ones before it,
  // and an error from `fn` undoes that write alone (its SAVEPOINT is rolled back) while the
  // others commit. Every caller returns only after the COMMIT that made its write durable; if
  // the batch cannot commit (BEGIN, COMMIT, or an error that ends the transaction, such as a
  // full disk), every write of the batch fails with that error and nothing of it is kept.
  // Under load this turns N commits (each a WAL append, lock round trip and, now and then, a
  // checkpoint's fsync) into one; alone, a write costs what it did before.
  //
  // Bounded: a writer still queued after busy_timeout (another process holds the file's write
  // lock for longer) gives up with kUnavailable, having changed nothing.
  // REQUIRES: `fn` does not call write() (it would wait for itself) and does not throw (a throw
  // fails the whole batch with kUnavailable).
  template <typename F>
  auto write(F&& fn) -> decltype(fn(std::declval<Lease&>())) {
    using Result = decltype(fn(std::declval<Lease&>()));
    base::ScopedLatency timed(options_.write_latency);
    std::optional<Result> result;
    auto body = [&](Lease& lease) {
      result.emplace(fn(lease));
      return result->has_value();
    };
    WriteJob job{
        .run = [](void* ctx, Lease& lease) { return (*static_cast<decltype(body)*>(ctx))(lease); },
        .ctx = &body};
    if (auto failed = run_write(job)) return std::unexpected(*failed);
    return std::move(*result);
  }

  // The most writes one transaction carries (a bound on how long a batch holds the lock).
  static constexpr std::size_t kMaxBatch = 64;

  const Options& options() const { return options_; }
  // The reader pool's occupancy (the writers' own connection is not in it), for metrics.
  PoolState pool_state();
  // Write transactions committed (or attempted) since open: one per batch. For tests and
  // metrics.
  std::uint64_t transactions() const { return transactions_.load(std::memory_order_relaxed); }
  // WAL checkpoints run off the write path, and by writers past the bound (checkpointer.h).
  const Checkpointer& checkpointer() const { return *checkpointer_; }

 private:
  explicit Database(Options options);
  void release(std::unique_ptr<Connection> conn, bool discard);

  // One queued write (see write()): `run(ctx, lease)` runs it and says whether it succeeded.
  struct WriteJob {
    bool (*run)(void* ctx, Lease& lease) = nullptr;
    void* ctx = nullptr;
    bool taken = false;                     // in a batch; guarded by write_mu_
    bool done = false;                      // its batch ended; guarded by write_mu_
    std::optional<StoreError> batch_error;  // set when the batch did not commit it
  };
  // Queues `job`, leads batches while no one else does, returns when `job` is done: the error
  // that kept it from committing, or nullopt (committed, or failed by itself: see its result).
  std::optional<StoreError> run_write(WriteJob& job);
  // Runs `batch` in one transaction (the leader, without write_mu_ held).
  void commit_batch(const std::vector<WriteJob*>& batch);

  Options options_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by pool_mu_
  std::size_t open_ = 0;                           // connections alive; guarded by pool_mu_
  std::size_t waiting_ = 0;  // callers in acquire() waiting for a connection; guarded by pool_mu_
  std::size_t max_ = 4;
  // The connection every batch runs on (opened on first use, reopened after a failure that
  // discarded it). Used by the leader only, so by one thread at a time; not counted in max_.
  // One connection for all writes keeps its page cache valid from one write to the next
  // (SQLite drops a connection's cache whenever another connection has written).
  // Declared before writer_, so destroyed after it: writer_'s WAL hook points into it.
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<Connection> writer_;
  std::mutex write_mu_;  // guards the write queue and writing_
  std::condition_variable write_cv_;
  std::deque<WriteJob*> write_queue_;  // not yet taken into a batch
  bool writing_ = false;               // a leader is running a batch
  std::atomic<std::uint64_t> transactions_{0};
};

}  // namespace tessera::store::sqlite
