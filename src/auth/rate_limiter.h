// Login rate limit (SPEC.md "HTTP API"): per email (default 5 failures / 15 min) and per
// client IP (default 50 failures / 15 min), as fixed windows on a CounterStore; a success
// resets the per-email counter. Exceeding either answers kRateLimited with retry_after.
//
// Keys never hold a raw email or IP: "login:email:" / "login:ip:" + base64url(SHA-256(value)).
// IPv6 clients are counted per /64 (one host usually owns the whole /64, so counting single
// addresses would give it 2^64 budgets).
//
// Concurrency: failures are recorded only after the (slow) password check, so N parallel
// guesses could all pass `check` before the first failure lands. Each Attempt therefore holds
// an in-flight reservation on its email key until it is recorded or dropped, and `check` counts
// the other reservations as failures-to-be: an account never gets more than
// `email_max_failures` guesses per window however many arrive at once (per process; across
// nodes, the shared counter store bounds it to that many per node). `check` reserves BEFORE it
// reads the counter and `record_failure` increments BEFORE it releases, so a check racing an
// attempt's end sees that attempt as a reservation or in the count, never as neither (it may
// see both, or see a racing check's reservation that is then refused: the error is always a
// refusal too many, retried after 1 s, never a guess too many).
// When only reservations stand in the way (the stored failures alone are under the limit) the
// answer is kConcurrencyLimited with retry_after 1: the running attempts end within a second,
// and telling the client "too many failures" would be false. The per-IP limit, a coarse spray
// defence, does not reserve: a burst may overshoot it by at most the hashing pool's capacity.
//
// Usage (see AuthService::login):
//   auto attempt = limiter.check(email, ip, now);  // kRateLimited / kConcurrencyLimited -> 429
//   ... verify the password on the pool ...
//   ok ? limiter.record_success(*attempt) : limiter.record_failure(*attempt, now);
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/errors.h"
#include "store/counter_store.h"

namespace tessera::auth {

struct RateLimitConfig {
  std::int64_t email_max_failures = 5;  // 0: no per-email limit
  std::int64_t email_window = 15 * 60;  // seconds
  std::int64_t ip_max_failures = 50;    // 0: no per-IP limit
  std::int64_t ip_window = 15 * 60;     // seconds
};

class RateLimiter {
 public:
  // One permitted attempt. Move-only; its in-flight reservation ends when it is recorded or
  // destroyed, whichever comes first. REQUIRES: does not outlive the RateLimiter.
  class Attempt {
   public:
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&& other) noexcept;
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    ~Attempt();

   private:
    friend class RateLimiter;
    Attempt(RateLimiter* owner, std::string email_key, std::string ip_key, bool reserved);
    void release();

    RateLimiter* owner_ = nullptr;
    std::string email_key_;
    std::string ip_key_;
    bool reserved_ = false;
  };

  RateLimiter(std::shared_ptr<store::CounterStore> counters, RateLimitConfig config);

  // May `email` (normalized) try to log in from `ip` now? Refusals, first match wins:
  //   kUnavailable         the counter store cannot answer (fail closed);
  //   kRateLimited         a stored failure count reached its limit; retry_after is the later
  //                        of the reached windows' ends (at least 1 s);
  //   kConcurrencyLimited  the email's stored failures plus the attempts on it still in flight
  //                        reach the limit; retry_after 1.
  // Thread-safe.
  std::expected<Attempt, Error> check(std::string_view email, std::string_view ip,
                                      std::int64_t now);

  // Counts one failure against both keys and ends the reservation.
  std::expected<void, Error> record_failure(Attempt& attempt, std::int64_t now);

  // Resets the per-email counter (the per-IP one keeps counting) and ends the reservation.
  std::expected<void, Error> record_success(Attempt& attempt);

  const RateLimitConfig& config() const { return config_; }

  // The counter keys (exposed for tests: they must not contain the raw values).
  static std::string email_key(std::string_view email);
  static std::string ip_key(std::string_view ip);

 private:
  // Adds one in-flight reservation on `email_key`; returns how many others it has.
  std::int64_t reserve(const std::string& email_key);
  void unreserve(const std::string& email_key);

  std::shared_ptr<store::CounterStore> counters_;
  RateLimitConfig config_;
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> in_flight_;  // guarded by mu_
};

}  // namespace tessera::auth
