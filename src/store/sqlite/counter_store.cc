// CounterStore on SQLite: increment() is one UPSERT ... RETURNING inside a write transaction,
// so concurrent increments (threads or processes) never lose a count.
#include <atomic>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

class SqliteCounterStore final : public CounterStore {
 public:
  explicit SqliteCounterStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<Count, StoreError> increment(std::string_view key, std::int64_t now,
                                             std::int64_t window_seconds) override {
    // Every kSweepEvery increments (per process), the same transaction also deletes counters
    // whose window has ended, so keys never seen again (one per client IP) do not accumulate.
    const bool sweep =
        increments_.fetch_add(1, std::memory_order_relaxed) % kSweepEvery == kSweepEvery - 1;
    return db_->write([&](Database::Lease& lease) -> std::expected<Count, StoreError> {
      if (sweep) {
        auto st = prepare(*db_, lease, "DELETE FROM counters WHERE window_ends <= ?1");
        if (!st) return std::unexpected(st.error());
        st->bind(1, now);
        if (auto done = run(*db_, lease, *st, "counters.sweep"); !done) {
          return std::unexpected(done.error());
        }
      }
      // In DO UPDATE, bare column names are the existing row's values (all SET expressions
      // see the row as it was), so both columns test the same old window_ends.
      auto st =
          prepare(*db_, lease,
                  "INSERT INTO counters (key, value, window_ends) VALUES (?1, 1, ?2 + ?3) "
                  "ON CONFLICT (key) DO UPDATE SET "
                  "value = CASE WHEN window_ends <= ?2 THEN 1 ELSE value + 1 END, "
                  "window_ends = CASE WHEN window_ends <= ?2 THEN ?2 + ?3 ELSE window_ends END "
                  "RETURNING value, window_ends");
      if (!st) return std::unexpected(st.error());
      st->bind(1, key).bind(2, now).bind(3, window_seconds);
      int rc = st->step();
      if (rc != SQLITE_ROW) return std::unexpected(db_->fail(lease, rc, "counters.increment"));
      Row row(*st);
      Count c{.value = row.integer(0), .window_ends = row.integer(1)};
      if (!row.ok()) return std::unexpected(db_->corrupt("counters"));
      // RETURNING rows are all produced by the first step; finish the statement so the write
      // is complete before COMMIT.
      if (rc = st->step(); rc != SQLITE_DONE) {
        return std::unexpected(db_->fail(lease, rc, "counters.increment"));
      }
      return c;
    });
  }

  std::expected<Count, StoreError> get(std::string_view key, std::int64_t now) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<Count, StoreError> {
      auto st =
          prepare(*db_, lease,
                  "SELECT value, window_ends FROM counters WHERE key = ?1 AND window_ends > ?2");
      if (!st) return std::unexpected(st.error());
      st->bind(1, key).bind(2, now);
      int rc = st->step();
      if (rc == SQLITE_DONE) return Count{};
      if (rc != SQLITE_ROW) return std::unexpected(db_->fail(lease, rc, "counters.get"));
      Row row(*st);
      Count c{.value = row.integer(0), .window_ends = row.integer(1)};
      if (!row.ok()) return std::unexpected(db_->corrupt("counters"));
      return c;
    });
  }

  std::expected<void, StoreError> reset(std::string_view key) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease, "DELETE FROM counters WHERE key = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind(1, key);
      return run(*db_, lease, *st, "counters.reset");
    });
  }

 private:
  static constexpr std::uint32_t kSweepEvery = 4096;
  std::shared_ptr<Database> db_;
  std::atomic<std::uint32_t> increments_{0};
};

}  // namespace

std::shared_ptr<CounterStore> make_counter_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteCounterStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
