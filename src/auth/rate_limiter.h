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
// an in-flight reservation on its email key AND its IP key until it is recorded or dropped, and
// `check` counts the other reservations as failures-to-be: an account never gets more than
// `email_max_failures` guesses per window, nor an address more than `ip_max_failures`, however
// many arrive at once (per process; across nodes, the shared counter store bounds each to that
// many per node). `check` reserves BEFORE it reads the counters and `record_failure` increments
// BEFORE it releases, so a check racing an attempt's end sees that attempt as a reservation or
// in the count, never as neither (it may see both: the error is always a refusal too many,
// never a guess too many).
//
// Failures and attempts in flight are two bounds with two answers (issue 14, defect 2):
//   - a stored failure count at its limit is kRateLimited, "too many failed attempts", with
//     Retry-After until the window ends;
//   - when only attempts still in flight stand in the way, nothing has failed yet: `admit`
//     WAITS for them to end (an ended attempt wakes the waiters on its keys, which look
//     again) instead of refusing, so a burst of correct logins for one account all succeed
//     (each success resets the count). Only when kMaxWaitersPerKey are already waiting on a
//     key is the answer kConcurrencyLimited, "too many login attempts in progress", retry in
//     1 s. (`check` is the non-waiting form: crowded means kConcurrencyLimited at once.)
// A waiter holds no reservation and no thread: its continuation is stored and run on the
// thread that ends an attempt (a hashing thread).
//
// Usage (see AuthService::login):
//   limiter.admit(email, ip, clock, [&](std::expected<RateLimiter::Attempt, Error> attempt) {
//     // kRateLimited / kConcurrencyLimited -> 429; kUnavailable -> 503
//     ... verify the password on the pool ...
//     ok ? limiter.record_success(*attempt) : limiter.record_failure(*attempt, now);
//   });
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/errors.h"
#include "base/clock.h"
#include "store/counter_store.h"

namespace tessera::auth {

struct RateLimitConfig {
  std::int64_t email_max_failures = 5;  // 0: no per-email limit
  std::int64_t email_window = 15 * 60;  // seconds
  std::int64_t ip_max_failures = 50;    // 0: no per-IP limit
  std::int64_t ip_window = 15 * 60;     // seconds
  // Sign-ups per client IP (each costs an Argon2id hash, whatever its outcome).
  std::int64_t signup_ip_max = 20;       // 0: no limit
  std::int64_t signup_ip_window = 3600;  // seconds
  // Requests that send mail (password reset, verification resend) per address and per client
  // IP: each one mails somebody, so a flood would be a mail bomb from our server.
  std::int64_t mail_email_max = 5;  // 0: no limit
  std::int64_t mail_ip_max = 30;    // 0: no limit
  std::int64_t mail_window = 3600;  // seconds
};

class RateLimiter {
 public:
  // One permitted attempt. Move-only; its in-flight reservations end when it is recorded or
  // destroyed, whichever comes first, and that end wakes the attempts waiting on its keys.
  // REQUIRES: does not outlive the RateLimiter.
  class Attempt {
   public:
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&& other) noexcept;
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    ~Attempt();

   private:
    friend class RateLimiter;
    Attempt(RateLimiter* owner, std::string email_key, std::string ip_key);
    // Ends the reservations; `wake`: run the waiters (false for a refused check's own).
    void release(bool wake = true);

    RateLimiter* owner_ = nullptr;
    std::string email_key_;
    std::string ip_key_;
    bool email_reserved_ = false;
    bool ip_reserved_ = false;
  };

  // Called exactly once with the admitted Attempt or the refusal.
  using Admitted = std::function<void(std::expected<Attempt, Error>)>;

  // Waiters per crowded key beyond which `admit` refuses (kConcurrencyLimited) rather than
  // queue: bounds the memory and the re-checks one key's end of attempt costs.
  static constexpr std::size_t kMaxWaitersPerKey = 64;

  RateLimiter(std::shared_ptr<store::CounterStore> counters, RateLimitConfig config);
  // Waiters still queued are dropped without being called (the server is shutting down).
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // May `email` (normalized) try to log in from `ip` now? Refusals, first match wins:
  //   kUnavailable         the counter store cannot answer (fail closed);
  //   kRateLimited         a stored failure count reached its limit; retry_after is the later
  //                        of the reached windows' ends (at least 1 s);
  //   kConcurrencyLimited  the email's (or the address's) stored failures plus the attempts on
  //                        it still in flight reach the limit; retry_after 1.
  // Thread-safe.
  std::expected<Attempt, Error> check(std::string_view email, std::string_view ip,
                                      std::int64_t now);

  // As `check`, but where check would answer kConcurrencyLimited, waits for an attempt on the
  // crowded key to end and looks again (at clock's time then), as often as it takes. `then`
  // runs on this thread when decided at once, else on the thread that ended an attempt.
  // kConcurrencyLimited only when kMaxWaitersPerKey already wait on that key. Thread-safe.
  // REQUIRES: `clock` outlives the RateLimiter.
  void admit(std::string_view email, std::string_view ip, const base::Clock& clock, Admitted then);

  // POST /auth/signup from `ip`: counts the attempt (before any hashing, so parallel sign-ups
  // cannot overshoot: the increment is atomic) and refuses it past signup_ip_max in the window:
  // kRateLimited with retry_after and a detail saying what was limited; kUnavailable if the
  // counter store cannot answer. Thread-safe.
  std::expected<void, Error> count_signup(std::string_view ip, std::int64_t now);

  // A request that mails `email` (normalized), from `ip`: counted against the address and the
  // client alike, BEFORE anyone looks the address up, so a known and an unknown address are
  // limited the same way (no enumeration by 429). Refused past mail_email_max or mail_ip_max in
  // the window: kRateLimited with retry_after; kUnavailable if the counters cannot answer.
  std::expected<void, Error> count_mail_request(std::string_view email, std::string_view ip,
                                                std::int64_t now);

  // Counts one failure against both keys and ends the reservations.
  std::expected<void, Error> record_failure(Attempt& attempt, std::int64_t now);

  // Resets the per-email counter (the per-IP one keeps counting) and ends the reservations.
  std::expected<void, Error> record_success(Attempt& attempt);

  const RateLimitConfig& config() const { return config_; }

  // The counter keys (exposed for tests: they must not contain the raw values).
  static std::string email_key(std::string_view email);
  static std::string ip_key(std::string_view ip);
  static std::string signup_key(std::string_view ip);
  static std::string mail_email_key(std::string_view email);
  static std::string mail_ip_key(std::string_view ip);

 private:
  // Counts one request on `key` (a fixed window of `window` seconds); kRateLimited with
  // `detail` past `max` (0: no limit).
  std::expected<void, Error> count_request(const std::string& key, std::int64_t max,
                                           std::int64_t window, std::int64_t now,
                                           std::string_view detail);

  struct Waiter {
    std::string email;
    std::string ip;
    const base::Clock* clock;
    Admitted then;
  };
  // check's answer, with what admit needs to wait without missing a wake-up.
  struct Verdict {
    std::expected<Attempt, Error> result;
    std::string crowded_key;      // kConcurrencyLimited: the key whose attempts stand in the way
    std::uint64_t ends_seen = 0;  // ends_ when the reservations were taken
  };
  Verdict evaluate(std::string_view email, std::string_view ip, std::int64_t now);

  // Ends `attempt`'s reservations; with `wake`, counts an end and runs the waiters on its
  // keys (outside mu_).
  void unreserve(Attempt& attempt, bool wake);

  std::shared_ptr<store::CounterStore> counters_;
  RateLimitConfig config_;
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> in_flight_;      // guarded by mu_
  std::unordered_map<std::string, std::deque<Waiter>> waiting_;  // guarded by mu_
  std::uint64_t ends_ = 0;  // guarded by mu_: admitted attempts ended so far
};

}  // namespace tessera::auth
