// Helpers shared by the auth unit tests: memory stores, a counter store that is down, fast
// Argon2id parameters, and a way to wait for an async service call.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <expected>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "auth/errors.h"
#include "crypto/password.h"
#include "store/stores.h"

namespace tessera::auth::testing {

// Cheap but real Argon2id (512 KiB, 1 pass): keeps the suite fast.
inline constexpr crypto::PasswordParams kFastParams{.memory_kib = 512, .iterations = 1};

// A user id of sixteen `b` bytes.
inline store::UserId user_of(unsigned char b) {
  store::UserId u{};
  u.fill(b);
  return u;
}

inline store::Stores memory_stores() {
  auto s = store::open_stores({.backend = "memory"});
  EXPECT_TRUE(s.has_value());
  return std::move(*s);
}

// A counter store that is down: every call fails with kUnavailable.
class DownCounters final : public store::CounterStore {
 public:
  std::expected<store::Count, store::StoreError> increment(std::string_view, std::int64_t,
                                                           std::int64_t) override {
    return std::unexpected(store::StoreError::kUnavailable);
  }
  std::expected<store::Count, store::StoreError> get(std::string_view, std::int64_t) override {
    return std::unexpected(store::StoreError::kUnavailable);
  }
  std::expected<void, store::StoreError> reset(std::string_view) override {
    return std::unexpected(store::StoreError::kUnavailable);
  }
};

// Calls `start(done)` and waits (bounded) for `done` to receive the result.
template <typename R, typename Start>
R await(Start&& start) {
  auto p = std::make_shared<std::promise<R>>();
  auto f = p->get_future();
  start([p](R r) { p->set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  return f.get();
}

}  // namespace tessera::auth::testing
