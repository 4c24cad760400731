#include "store/sqlite/database.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "store/sqlite/checkpointer.h"

namespace tessera::store::sqlite {

StoreError to_store_error(int rc) {
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return StoreError::kCorrupt;
    case SQLITE_CONSTRAINT:
      return StoreError::kConflict;
    default:  // BUSY, LOCKED, IOERR, CANTOPEN, FULL, READONLY, PERM, NOMEM, ERROR, ...
      return StoreError::kUnavailable;
  }
}

namespace {

// Codes after which the connection is closed rather than reused: the file changed under it or
// the connection's state is in doubt. A fresh connection re-reads everything.
bool retire_after(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

// Switches the database file to WAL (a no-op if it already is). Switching a new file needs it
// to itself, and SQLite answers SQLITE_BUSY at once, without its busy handler, when another
// connection holds it meanwhile (two processes or threads opening a new file together): that
// is retried every 10 ms for up to `busy_timeout_ms`.
std::expected<void, std::string> enable_wal(Connection& conn, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(busy_timeout_ms, 0));
  for (;;) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(conn.raw(), "PRAGMA journal_mode = WAL", -1, &stmt, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    std::string mode;
    if (rc == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      mode = text ? reinterpret_cast<const char*>(text) : "";
    }
    std::string error = rc == SQLITE_ROW ? "" : conn.errmsg();
    sqlite3_finalize(stmt);
    const int primary = rc & 0xff;
    if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (rc != SQLITE_ROW) return std::unexpected(error);
    if (mode != "wal") {
      return std::unexpected("cannot switch to WAL (journal mode is " + mode + ")");
    }
    return {};
  }
}

}  // namespace

// ---- Statement, Row ------------------------------------------------------------------------

Statement::~Statement() {
  if (stmt_ == nullptr) return;  // moved from
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ =
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = sqlite3_bind_null(stmt_, index);
  return *this;
}

int Statement::step() {
  if (bind_rc_ != SQLITE_OK) return bind_rc_;
  return sqlite3_step(stmt_);
}

std::int64_t Row::integer(int col) {
  if (sqlite3_column_type(stmt_, col) != SQLITE_INTEGER) {
    ok_ = false;
    return 0;
  }
  return sqlite3_column_int64(stmt_, col);
}

std::string Row::text(int col) {
  if (sqlite3_column_type(stmt_, col) != SQLITE_TEXT) {
    ok_ = false;
    return {};
  }
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);  // after column_text: the UTF-8 length
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::string Row::bytes(int col) {
  if (sqlite3_column_type(stmt_, col) != SQLITE_BLOB) {
    ok_ = false;
    return {};
  }
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};  // a zero-length BLOB has no pointer
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

void Row::read_blob(int col, std::span<std::uint8_t> out) {
  if (sqlite3_column_type(stmt_, col) != SQLITE_BLOB) {
    ok_ = false;
    return;
  }
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || static_cast<std::size_t>(n) != out.size()) {
    ok_ = false;
    return;
  }
  std::memcpy(out.data(), p, out.size());
}

// ---- Connection ----------------------------------------------------------------------------

std::expected<std::unique_ptr<Connection>, std::string> Connection::open(const Options& options,
                                                                         bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return std::unexpected("cannot open " + options.path + ": " + msg);
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, std::max(options.busy_timeout_ms, 0));
  // foreign_keys: enforced for the tables that reference each other (per connection; off by
  // default in SQLite). synchronous=NORMAL: in WAL mode a crash of the process loses nothing,
  // a power loss may lose the last transactions but never corrupts. trusted_schema=OFF: a
  // tampered schema cannot make us run functions with side effects.
  for (const char* pragma :
       {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL", "PRAGMA trusted_schema = OFF"}) {
    if (conn->exec(pragma) != SQLITE_OK) {
      return std::unexpected("cannot configure " + options.path + ": " + conn->errmsg());
    }
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

std::expected<Statement, int> Connection::prepare(std::string_view sql) {
  if (auto it = statements_.find(sql); it != statements_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(rc);
  statements_.emplace(std::string(sql), stmt);
  return Statement(stmt);
}

int Connection::exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

int Connection::run(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  const int rc = st->step();
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

// ---- Database ------------------------------------------------------------------------------

std::expected<std::shared_ptr<Database>, std::string> Database::open(Options options) {
  if (options.path.empty()) return std::unexpected("no SQLite database path configured");
  // Create the file ourselves so it is born 0600: SQLite would create it 0644 (less umask),
  // and gives its -wal and -shm files the mode of the database file.
  int fd = ::open(options.path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return std::unexpected("cannot open " + options.path + ": " + std::strerror(errno));
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  ::close(fd);
  if (!regular) return std::unexpected(options.path + " is not a regular file");

  std::shared_ptr<Database> db(new Database(std::move(options)));
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  db->max_ = db->options_.max_connections ? db->options_.max_connections
                                          : std::max<std::size_t>(4, 2 * std::size_t{cores});
  auto first = Connection::open(db->options_, /*create=*/true);
  if (!first) return std::unexpected(first.error());
  // WAL is a property of the file (it persists): readers and the one writer do not block each
  // other, and another process (the CLI) can work on the file while a server runs on it.
  if (auto wal = enable_wal(**first, db->options_.busy_timeout_ms); !wal) {
    return std::unexpected("cannot use " + db->options_.path + ": " + wal.error());
  }
  db->open_ = 1;
  db->idle_.push_back(std::move(*first));
  db->checkpointer_ = std::make_unique<Checkpointer>(db->options_);
  return db;
}

Database::Database(Options options) : options_(std::move(options)) {}

Database::~Database() = default;

Database::Lease::~Lease() {
  if (!conn_) return;
  if (writer_) {
    if (!discard_) db_->writer_ = std::move(conn_);  // the leader's: no lock needed
    return;
  }
  db_->release(std::move(conn_), discard_);
}

std::expected<Database::Lease, StoreError> Database::acquire() {
  std::unique_lock lock(pool_mu_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    if (open_ < max_) {
      ++open_;
      lock.unlock();  // opening touches the file: not under the pool lock
      auto conn = Connection::open(options_, /*create=*/false);
      if (conn) return Lease(this, std::move(*conn));
      lock.lock();
      --open_;
      pool_cv_.notify_one();
      lock.unlock();
      if (options_.on_error) options_.on_error("sqlite: " + conn.error());
      return std::unexpected(StoreError::kUnavailable);
    }
    ++waiting_;
    const std::cv_status waited = pool_cv_.wait_until(lock, deadline);
    --waiting_;
    if (waited == std::cv_status::timeout && idle_.empty() && open_ >= max_) {
      lock.unlock();
      if (options_.on_error) options_.on_error("sqlite: timed out waiting for a free connection");
      return std::unexpected(StoreError::kUnavailable);
    }
  }
}

PoolState Database::pool_state() {
  std::lock_guard lock(pool_mu_);
  return PoolState{.in_use = open_ - idle_.size(), .idle = idle_.size(), .waiting = waiting_};
}

void Database::release(std::unique_ptr<Connection> conn, bool discard) {
  if (discard) conn.reset();  // closed outside the pool lock
  std::lock_guard lock(pool_mu_);
  if (discard) {
    --open_;
  } else {
    idle_.push_back(std::move(conn));
  }
  pool_cv_.notify_one();
}

StoreError Database::fail(Lease& lease, int rc, std::string_view what) {
  if (retire_after(rc)) lease.discard_ = true;
  const StoreError e = to_store_error(rc);
  if (e != StoreError::kConflict && options_.on_error) {
    std::string msg = "sqlite: ";
    msg += what;
    msg += ": ";
    msg += sqlite3_errstr(rc);
    if (const char* detail = sqlite3_errmsg(lease->raw());
        detail && std::strcmp(detail, sqlite3_errstr(rc)) != 0) {
      msg += " (";
      msg += detail;
      msg += ")";
    }
    options_.on_error(msg);
  }
  return e;
}

std::optional<StoreError> Database::run_write(WriteJob& job) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
  std::unique_lock lock(write_mu_);
  write_queue_.push_back(&job);
  while (!job.done) {
    if (!writing_) {
      // Lead: take the oldest writes (ours may not be among them when the queue is long; then
      // we lead again, or someone else does, until it is done).
      writing_ = true;
      std::vector<WriteJob*> batch;
      while (!write_queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(write_queue_.front());
        write_queue_.pop_front();
        batch.back()->taken = true;
      }
      lock.unlock();
      commit_batch(batch);
      lock.lock();
      for (WriteJob* j : batch) j->done = true;
      writing_ = false;
      write_cv_.notify_all();
      continue;
    }
    if (write_cv_.wait_until(lock, deadline) == std::cv_status::timeout && !job.taken) {
      // Still queued at the deadline: leave the queue; nothing of ours ran.
      write_queue_.erase(std::find(write_queue_.begin(), write_queue_.end(), &job));
      lock.unlock();
      return busy("waiting for this process's other writers");
    }
  }
  return job.batch_error;
}

void Database::commit_batch(const std::vector<WriteJob*>& batch) {
  transactions_.fetch_add(1, std::memory_order_relaxed);
  auto fail_all = [&](StoreError e) {
    for (WriteJob* j : batch) j->batch_error = e;
  };
  if (!writer_) {
    auto conn = Connection::open(options_, /*create=*/false);
    if (!conn) {
      if (options_.on_error) options_.on_error("sqlite: " + conn.error());
      return fail_all(StoreError::kUnavailable);
    }
    writer_ = std::move(*conn);
    checkpointer_->attach(writer_->raw());
  }
  Lease l(this, std::move(writer_));
  l.writer_ = true;
  if (int rc = l->run("BEGIN IMMEDIATE"); rc != SQLITE_OK) return fail_all(fail(l, rc, "begin"));
  // A write that fails alone is undone by its savepoint. One whose failure ended the
  // transaction (SQLite rolls back by itself on a full disk, I/O errors, ...) or left the
  // connection suspect takes the whole batch with it.
  const bool savepoints = batch.size() > 1;
  for (WriteJob* j : batch) {
    auto abort = [&](int rc, std::string_view what) {
      const StoreError e = fail(l, rc, what);
      if (!sqlite3_get_autocommit(l->raw())) l->run("ROLLBACK");
      fail_all(e);
    };
    if (savepoints) {
      if (int rc = l->run("SAVEPOINT w"); rc != SQLITE_OK) return abort(rc, "savepoint");
    }
    bool ok = false;
    bool threw = false;
    try {
      ok = j->run(j->ctx, l);
    } catch (...) {
      threw = true;
      l.discard_ = true;  // unknown state: roll back, and do not reuse the connection
    }
    const bool in_transaction = !sqlite3_get_autocommit(l->raw());
    if (!ok && (l.discard_ || !in_transaction || !savepoints)) {
      if (in_transaction) l->run("ROLLBACK");
      // The failing write keeps its own error (in its result; a throw left none); every other
      // write of the batch fails with it.
      for (WriteJob* other : batch) {
        if (other != j || threw) other->batch_error = StoreError::kUnavailable;
      }
      return;
    }
    if (savepoints) {
      if (!ok) {
        if (int rc = l->run("ROLLBACK TO w"); rc != SQLITE_OK) return abort(rc, "rollback to");
      }
      if (int rc = l->run("RELEASE w"); rc != SQLITE_OK) return abort(rc, "release savepoint");
    }
  }
  if (int rc = l->run("COMMIT"); rc != SQLITE_OK) {
    const StoreError e = fail(l, rc, "commit");
    if (!sqlite3_get_autocommit(l->raw())) l->run("ROLLBACK");
    fail_all(e);
  }
}

StoreError Database::busy(std::string_view what) {
  if (options_.on_error) options_.on_error("sqlite: timed out " + std::string(what));
  return StoreError::kUnavailable;
}

StoreError Database::corrupt(std::string_view what) {
  if (options_.on_error) options_.on_error("sqlite: undecodable row in " + std::string(what));
  return StoreError::kCorrupt;
}

}  // namespace tessera::store::sqlite
