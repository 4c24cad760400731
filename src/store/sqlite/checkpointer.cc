#include "store/sqlite/checkpointer.h"

#include <string>
#include <utility>

namespace tessera::store::sqlite {

Checkpointer::Checkpointer(const Options& options)
    : options_(options), wake_at_(options_.checkpoint_start_pages), thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Checkpointer::attach(sqlite3* writer) { sqlite3_wal_hook(writer, &on_commit, this); }

// Runs on the committing thread, after the commit, with the WAL's size in pages. Returns
// SQLITE_OK whatever happens: the commit itself has succeeded.
int Checkpointer::on_commit(void* self, sqlite3* db, const char* name, int pages) {
  auto* c = static_cast<Checkpointer*>(self);
  if (pages < c->last_pages_) c->wake_at_ = c->options_.checkpoint_start_pages;  // WAL restarted
  c->last_pages_ = pages;
  if (pages >= c->options_.checkpoint_force_pages) {
    // What SQLite's own hook does (sqlite3WalDefaultHook), past the larger bound.
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    c->forced_.fetch_add(1, std::memory_order_relaxed);
  } else if (pages >= c->wake_at_) {
    // Once per start_pages frames of growth, as SQLite's own threshold works out in practice: a
    // checkpoint after every commit would fsync the database file on every commit.
    c->wake_at_ = pages + c->options_.checkpoint_start_pages;
    {
      std::lock_guard lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::run() {
  std::unique_ptr<Connection> conn;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    std::string problem;
    if (!conn) {
      // Not at construction: Database::open() creates the file and switches it to WAL first.
      auto opened = Connection::open(options_, /*create=*/false);
      if (opened) {
        conn = std::move(*opened);
      } else {
        problem = opened.error();
      }
    }
    if (conn) {
      // SQLITE_BUSY only means a checkpoint of another connection is running: that one does
      // the work. Anything else is reported; the writers' force_pages bound still holds.
      const int rc = sqlite3_wal_checkpoint_v2(conn->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                               nullptr, nullptr);
      if (rc == SQLITE_OK) {
        background_.fetch_add(1, std::memory_order_relaxed);
      } else if (rc != SQLITE_BUSY) {
        problem = sqlite3_errstr(rc);
        conn.reset();  // suspect: the next checkpoint opens a fresh one
      }
    }
    if (!problem.empty() && options_.on_error) options_.on_error("sqlite checkpoint: " + problem);
    lock.lock();
  }
}

}  // namespace tessera::store::sqlite
