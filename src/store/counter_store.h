// Fixed-window counters for rate limiting. Implementations: memory/, sqlite/, postgres/, redis/.
// Thread-safe; increments are atomic.
#pragma once

#include <cstdint>
#include <expected>
#include <string_view>

#include "store/types.h"

namespace tessera::store {

struct Count {
  std::int64_t value = 0;        // count in the current window, after the increment
  std::int64_t window_ends = 0;  // Unix seconds when it resets
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;

  // Adds 1 to `key`'s counter. A counter whose window has ended (or that does not exist)
  // starts again at 1 with a window ending at now + window_seconds.
  virtual std::expected<Count, StoreError> increment(std::string_view key, std::int64_t now,
                                                     std::int64_t window_seconds) = 0;

  // The current count (0 with window_ends 0 if none or expired).
  virtual std::expected<Count, StoreError> get(std::string_view key, std::int64_t now) = 0;

  // Forgets `key`.
  virtual std::expected<void, StoreError> reset(std::string_view key) = 0;
};

}  // namespace tessera::store
