// Time is injected: every service that asks "what time is it?" asks a Clock, so expiry,
// rotation and rate-limit windows are testable without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tessera::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch. Thread-safe.
  virtual std::int64_t now_unix() const = 0;
  // Milliseconds since the Unix epoch (orders revocations against token issuance, which
  // whole seconds cannot). floor(now_ms() / 1000) == now_unix() at the same instant.
  virtual std::int64_t now_ms() const = 0;
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  std::int64_t now_unix() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to (tests).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start) : ms_(start * 1000) {}
  std::int64_t now_unix() const override {
    const std::int64_t ms = ms_.load();
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);  // floor
  }
  std::int64_t now_ms() const override { return ms_.load(); }
  void set(std::int64_t t) { ms_.store(t * 1000); }
  void advance(std::int64_t seconds) { ms_.fetch_add(seconds * 1000); }
  void advance_ms(std::int64_t ms) { ms_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace tessera::base
