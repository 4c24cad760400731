// WAL checkpoints off the write path (store/sqlite/checkpointer.h): past start_pages the
// checkpoint thread copies the WAL into the database file and writers never checkpoint; with
// that thread never woken, writers checkpoint themselves past force_pages, so the WAL stays
// bounded either way. Rows written are all there after a reopen.
#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <string>
#include <thread>

#include "store/sqlite/checkpointer.h"
#include "store/sqlite/database.h"
#include "store/sqlite/internal.h"
#include "store_test_util.h"

namespace tessera::store::sqlite {
namespace {

using testing::TempDir;

constexpr int kWrites = 300;

class Checkpoints : public ::testing::Test {
 protected:
  std::shared_ptr<Database> open(int start_pages, int force_pages) {
    auto db = Database::open(Options{.path = path().string(),
                                     .checkpoint_start_pages = start_pages,
                                     .checkpoint_force_pages = force_pages});
    EXPECT_TRUE(db) << db.error();
    return db ? *db : nullptr;
  }
  std::filesystem::path path() const { return dir_.path() / "c.db"; }
  std::uintmax_t size_of(const std::string& suffix) const {
    std::error_code ec;
    const auto n = std::filesystem::file_size(path().string() + suffix, ec);
    return ec ? 0 : n;
  }

  // kWrites writes, each its own transaction (one at a time: no batching) of one row with a
  // 3 KiB value, so every commit appends at least one page to the WAL.
  void write_rows(Database& db) {
    auto made = db.write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      if (lease->exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)") !=
          SQLITE_OK) {
        return std::unexpected(StoreError::kUnavailable);
      }
      return {};
    });
    ASSERT_TRUE(made);
    for (int k = 0; k < kWrites; ++k) {
      auto r = db.write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
        auto st = prepare(db, lease, "INSERT INTO t (k, v) VALUES (?1, zeroblob(3072))");
        if (!st) return std::unexpected(st.error());
        st->bind(1, k);
        return run(db, lease, *st, "insert");
      });
      ASSERT_TRUE(r) << "write " << k;
    }
  }

  std::int64_t rows(Database& db) {
    std::int64_t n = -1;
    auto r = db.read([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(db, lease, "SELECT count(*) FROM t");
      if (!st) return std::unexpected(st.error());
      if (st->step() == SQLITE_ROW) n = sqlite3_column_int64(st->get(), 0);
      return {};
    });
    EXPECT_TRUE(r);
    return n;
  }

  TempDir dir_;
};

TEST_F(Checkpoints, TheThreadCheckpointsAndWritersDoNot) {
  auto db = open(/*start_pages=*/16, /*force_pages=*/INT_MAX);
  ASSERT_TRUE(db);
  write_rows(*db);
  // Every row's page reaches the database file itself (without a checkpoint the file keeps its
  // first size and every row lives only in the WAL). The thread runs when a commit wakes it:
  // give it time on a loaded machine.
  const std::uintmax_t all_rows = std::uintmax_t{kWrites} * 3072;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (size_of("") < all_rows && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(size_of(""), all_rows);
  EXPECT_GT(db->checkpointer().background_checkpoints(), 0u);
  EXPECT_EQ(db->checkpointer().forced_checkpoints(), 0u) << "a writer checkpointed";
  EXPECT_EQ(rows(*db), kWrites);
  db.reset();
  auto again = open(16, INT_MAX);
  ASSERT_TRUE(again);
  EXPECT_EQ(rows(*again), kWrites);
}

TEST_F(Checkpoints, WritersCheckpointPastTheBoundWhenTheThreadDoesNot) {
  auto db = open(/*start_pages=*/INT_MAX, /*force_pages=*/32);
  ASSERT_TRUE(db);
  write_rows(*db);
  EXPECT_EQ(db->checkpointer().background_checkpoints(), 0u);
  EXPECT_GT(db->checkpointer().forced_checkpoints(), 0u);
  // Bounded: about force_pages frames (plus the last write's) of 4 KiB + 24 bytes each, where
  // SQLite with no checkpoint at all would hold every write (> kWrites pages).
  EXPECT_LT(size_of("-wal"), std::uintmax_t{64} * (4096 + 24) + 32);
  EXPECT_EQ(rows(*db), kWrites);
}

}  // namespace
}  // namespace tessera::store::sqlite
