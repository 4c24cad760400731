// Database::write's group commit (store/sqlite/database.h): concurrent writes share
// transactions, yet each behaves as if it ran alone - committed whole, or (when it fails) not
// at all, without taking the writes batched with it down.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/database.h"
#include "store/sqlite/internal.h"
#include "store_test_util.h"

namespace tessera::store::sqlite {
namespace {

using testing::TempDir;

class GroupCommit : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::open(Options{.path = (dir_.path() / "g.db").string()});
    ASSERT_TRUE(db) << db.error();
    db_ = std::move(*db);
    auto made = db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      if (lease->exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)") != SQLITE_OK) {
        return std::unexpected(StoreError::kUnavailable);
      }
      return {};
    });
    ASSERT_TRUE(made);
  }

  // Inserts rows k and k + 1'000'000 in one write; fails after both inserts when `fail`, so
  // only its savepoint can undo them.
  std::expected<void, StoreError> insert_pair(int k, bool fail) {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      for (int key : {k, k + 1'000'000}) {
        auto st = prepare(*db_, lease, "INSERT INTO t (k, v) VALUES (?1, 'x')");
        if (!st) return std::unexpected(st.error());
        st->bind(1, key);
        if (auto done = run(*db_, lease, *st, "insert"); !done) return done;
      }
      if (fail) return std::unexpected(StoreError::kNotFound);
      return {};
    });
  }

  std::set<int> keys() {
    std::set<int> out;
    auto r = db_->read([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease, "SELECT k FROM t");
      if (!st) return std::unexpected(st.error());
      while (st->step() == SQLITE_ROW) out.insert(sqlite3_column_int(st->get(), 0));
      return {};
    });
    EXPECT_TRUE(r);
    return out;
  }

  TempDir dir_;
  std::shared_ptr<Database> db_;
};

TEST_F(GroupCommit, ConcurrentWritesShareTransactionsAndFailuresUndoOnlyThemselves) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 60;
  const std::uint64_t before = db_->transactions();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int k = t * kPerThread + i;
        const bool fail = k % 3 == 0;
        auto r = insert_pair(k, fail);
        if (fail ? (r || r.error() != StoreError::kNotFound) : !r) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);

  std::set<int> expected;
  for (int k = 0; k < kThreads * kPerThread; ++k) {
    if (k % 3 != 0) expected.insert({k, k + 1'000'000});
  }
  EXPECT_EQ(keys(), expected) << "a failed write left rows, or a good one lost them";
  // Batching happened: fewer transactions than writes (16 writers rarely find the lock free).
  EXPECT_LT(db_->transactions() - before, static_cast<std::uint64_t>(kThreads * kPerThread));
}

TEST_F(GroupCommit, AConflictInOneWriteLeavesTheOthersOfItsBatchCommitted) {
  ASSERT_TRUE(insert_pair(7, false));
  std::atomic<int> conflicts{0}, ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // Thread 0 repeats key 7 (a constraint violation in its first statement).
      auto r = insert_pair(t == 0 ? 7 : 100 + t, false);
      if (r)
        ++ok;
      else if (r.error() == StoreError::kConflict)
        ++conflicts;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(conflicts.load(), 1);
  EXPECT_EQ(ok.load(), 7);
  EXPECT_EQ(keys().size(), 2u + 7u * 2u);
}

TEST_F(GroupCommit, AThrowingWriteFailsClosedAndTheDatabaseStaysUsable) {
  auto r = db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
    (void)lease->exec("INSERT INTO t (k, v) VALUES (1, 'x')");
    throw std::runtime_error("bug");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), StoreError::kUnavailable);
  EXPECT_TRUE(keys().empty()) << "the throwing write's insert was kept";
  ASSERT_TRUE(insert_pair(2, false));
  EXPECT_EQ(keys(), (std::set<int>{2, 1'000'002}));
}

}  // namespace
}  // namespace tessera::store::sqlite
