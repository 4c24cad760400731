// WAL checkpoints off the write path.
//
// SQLite's default (wal_autocheckpoint = 1000) runs a checkpoint inside the COMMIT that takes
// the WAL past 1000 pages: the committing connection copies the WAL's pages back into the
// database file and fsyncs it, and under Database::write's group commit every other writer of
// the process waits behind it. Measured on a refresh rotation (bench/tokens_bench.cc,
// BM_Pair_Refresh): about 50 us of a 250 us rotation, in the one serialised part.
//
// Here the writer connection only counts (its WAL hook replaces the automatic checkpoint): each
// time the WAL has grown by Options::checkpoint_start_pages since the last wake-up (or since it
// restarted), a thread of its own wakes and runs a PASSIVE checkpoint on a connection of its
// own. PASSIVE never waits for a lock and never blocks a
// reader or a writer; it copies what no reader still needs and SQLite restarts the WAL from its
// beginning once everything has been copied. The WAL stays bounded even when that thread cannot
// keep up, cannot open its connection, or readers hold it back: a commit that leaves the WAL at
// Options::checkpoint_force_pages or more checkpoints on the writer itself, as SQLite's default
// would have.
//
// Other processes on the same file (the CLI beside a server) keep SQLite's default: any
// connection's checkpoint serves every connection.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "store/sqlite/database.h"

namespace tessera::store::sqlite {

class Checkpointer {
 public:
  // Starts the thread. It opens its connection (never creating the file) on first need.
  explicit Checkpointer(const Options& options);
  // Stops and joins the thread. REQUIRES: no connection attach()ed to it commits afterwards
  // (Database destroys its writer connection first).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs the WAL hook on `writer` (turning its automatic checkpoint off).
  void attach(sqlite3* writer);

  // For tests and metrics: checkpoints run by the thread, and by writers (force_pages).
  // Relaxed counters: read them after the writes they follow have returned.
  std::uint64_t background_checkpoints() const { return background_.load(); }
  std::uint64_t forced_checkpoints() const { return forced_.load(); }

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int pages);
  void run();

  const Options options_;
  // The WAL's size at the last commit, and the size that wakes the thread next. Used by the
  // committing writer only (one at a time: Database::write hands the writer connection from
  // one leader to the next under its mutex).
  int last_pages_ = 0;
  int wake_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;  // guarded by mu_
  bool stop_ = false;    // guarded by mu_
  std::atomic<std::uint64_t> background_{0};
  std::atomic<std::uint64_t> forced_{0};
  std::thread thread_;  // last: starts after every member it uses exists
};

}  // namespace tessera::store::sqlite
