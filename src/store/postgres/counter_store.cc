// CounterStore on PostgreSQL: increment() is one INSERT ... ON CONFLICT DO UPDATE ... RETURNING,
// which PostgreSQL runs atomically per key (a concurrent increment waits for the row lock and
// then updates the committed value), so no count is ever lost across threads or nodes.
#include <atomic>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

Count decode_count(Row& row) {
  return Count{.value = row.integer(0), .window_ends = row.integer(1)};
}

class PostgresCounterStore final : public CounterStore {
 public:
  explicit PostgresCounterStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<Count, StoreError> increment(std::string_view key, std::int64_t now,
                                             std::int64_t window_seconds) override {
    // Every kSweepEvery increments (per process), the call first deletes counters whose window
    // has ended, so keys never seen again (one per client IP) do not accumulate.
    const bool sweep =
        increments_.fetch_add(1, std::memory_order_relaxed) % kSweepEvery == kSweepEvery - 1;
    return call(*pool_, "counters.increment", [&](Op& op) -> std::expected<Count, StoreError> {
      if (sweep) {
        auto swept =
            exec_changes(op, "DELETE FROM counters WHERE window_ends <= $1", Params().int8(now));
        if (!swept) return std::unexpected(swept.error());
      }
      // In DO UPDATE, c.* is the existing row: both columns test the same old window_ends.
      auto result = op.exec(
          "INSERT INTO counters AS c (key, value, window_ends) VALUES ($1, 1, $2 + $3) "
          "ON CONFLICT (key) DO UPDATE SET "
          "value = CASE WHEN c.window_ends <= $2 THEN 1 ELSE c.value + 1 END, "
          "window_ends = CASE WHEN c.window_ends <= $2 THEN $2 + $3 "
          "ELSE c.window_ends END "
          "RETURNING value, window_ends",
          Params().text(key).int8(now).int8(window_seconds));
      if (!result) return std::unexpected(result.error());
      return decode_single(op, *result, "counters", decode_count);
    });
  }

  std::expected<Count, StoreError> get(std::string_view key, std::int64_t now) override {
    return call(*pool_, "counters.get", [&](Op& op) -> std::expected<Count, StoreError> {
      auto result =
          op.exec("SELECT value, window_ends FROM counters WHERE key = $1 AND window_ends > $2",
                  Params().text(key).int8(now));
      if (!result) return std::unexpected(result.error());
      auto count = decode_first(op, *result, "counters", decode_count);
      if (!count && count.error() == StoreError::kNotFound) return Count{};
      return count;
    });
  }

  std::expected<void, StoreError> reset(std::string_view key) override {
    auto removed = changes(*pool_, "counters.reset", "DELETE FROM counters WHERE key = $1",
                           Params().text(key));
    if (!removed) return std::unexpected(removed.error());
    return {};
  }

 private:
  static constexpr std::uint32_t kSweepEvery = 4096;
  std::shared_ptr<Pool> pool_;
  std::atomic<std::uint32_t> increments_{0};
};

}  // namespace

std::shared_ptr<CounterStore> make_counter_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresCounterStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
