#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <optional>
#include <thread>
#include <vector>

#include "auth/test_util.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;

class RateLimiterTest : public ::testing::Test {
 protected:
  store::Stores stores_ = testing::memory_stores();
  std::unique_ptr<RateLimiter> limiter_ =
      std::make_unique<RateLimiter>(stores_.counters, RateLimitConfig{});

  void reset(RateLimitConfig c) { limiter_ = std::make_unique<RateLimiter>(stores_.counters, c); }

  // One failed login attempt at `now`; false if it was refused.
  bool fail(std::string_view email, std::string_view ip, std::int64_t now) {
    auto a = limiter_->check(email, ip, now);
    if (!a) return false;
    EXPECT_TRUE(limiter_->record_failure(*a, now).has_value());
    return true;
  }
  bool succeed(std::string_view email, std::string_view ip, std::int64_t now) {
    auto a = limiter_->check(email, ip, now);
    if (!a) return false;
    EXPECT_TRUE(limiter_->record_success(*a).has_value());
    return true;
  }
  // Why an attempt at `now` is refused; nullopt if it is permitted (and then dropped).
  std::optional<Error> refusal(std::string_view email, std::string_view ip, std::int64_t now) {
    auto a = limiter_->check(email, ip, now);
    if (a) return std::nullopt;
    return a.error();
  }
  // retry_after of a kRateLimited refusal; nullopt if permitted.
  std::optional<std::int64_t> retry_after(std::string_view email, std::string_view ip,
                                          std::int64_t now) {
    auto e = refusal(email, ip, now);
    if (!e) return std::nullopt;
    EXPECT_EQ(e->code, Errc::kRateLimited) << describe(*e);
    return e->retry_after;
  }
};

TEST_F(RateLimiterTest, DefaultsAreTheSpecs) {
  const RateLimitConfig c;
  EXPECT_EQ(c.email_max_failures, 5);
  EXPECT_EQ(c.email_window, 900);
  EXPECT_EQ(c.ip_max_failures, 50);
  EXPECT_EQ(c.ip_window, 900);
  EXPECT_EQ(c.signup_ip_max, 20);
  EXPECT_EQ(c.signup_ip_window, 3600);
}

TEST_F(RateLimiterTest, FiveFailuresPerEmailThenRetryAfterUntilTheWindowEnds) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0 + i));
  // The window started at the first failure (kT0) and ends at kT0 + 900.
  EXPECT_EQ(retry_after("a@x.org", "198.51.100.1", kT0 + 5), 895);
  EXPECT_EQ(retry_after("a@x.org", "203.0.113.9", kT0 + 100), 800);  // any IP
  EXPECT_EQ(retry_after("a@x.org", "198.51.100.1", kT0 + 899), 1);
  EXPECT_TRUE(succeed("a@x.org", "198.51.100.1", kT0 + 900));  // to the second
  // Other emails were never affected.
  EXPECT_TRUE(succeed("b@x.org", "198.51.100.1", kT0 + 10));
}

TEST_F(RateLimiterTest, SuccessResetsThePerEmailCounter) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0 + i));
  ASSERT_TRUE(succeed("a@x.org", "198.51.100.1", kT0 + 10));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0 + 20 + i));
  EXPECT_TRUE(retry_after("a@x.org", "198.51.100.1", kT0 + 30).has_value());
}

TEST_F(RateLimiterTest, FiftyFailuresPerIpAcrossEmails) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(fail("user" + std::to_string(i) + "@x.org", "198.51.100.7", kT0 + i));
  }
  // A fresh email from that IP is refused until the IP window (from kT0) ends...
  EXPECT_EQ(retry_after("fresh@x.org", "198.51.100.7", kT0 + 60), 840);
  // ...and a success does not reset the IP counter.
  EXPECT_TRUE(succeed("fresh@x.org", "198.51.100.8", kT0 + 60));
  EXPECT_TRUE(retry_after("fresh@x.org", "198.51.100.7", kT0 + 61).has_value());
  // Another IP is fine; the IP is free again at the window's end.
  EXPECT_TRUE(succeed("fresh@x.org", "198.51.100.8", kT0 + 62));
  EXPECT_TRUE(succeed("fresh@x.org", "198.51.100.7", kT0 + 900));
}

TEST_F(RateLimiterTest, RetryAfterIsTheLaterOfTheTwoLimits) {
  reset(RateLimitConfig{
      .email_max_failures = 2, .email_window = 100, .ip_max_failures = 2, .ip_window = 500});
  ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0));
  ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0 + 1));
  EXPECT_EQ(retry_after("a@x.org", "198.51.100.1", kT0 + 10), 490);
  EXPECT_EQ(retry_after("b@x.org", "198.51.100.1", kT0 + 10), 490);
  EXPECT_EQ(retry_after("a@x.org", "198.51.100.2", kT0 + 10), 90);
}

TEST_F(RateLimiterTest, Ipv6IsCountedPerSlash64) {
  reset(RateLimitConfig{.ip_max_failures = 2});
  ASSERT_TRUE(fail("a@x.org", "2001:db8:1:2::1", kT0));
  ASSERT_TRUE(fail("b@x.org", "2001:db8:1:2:ffff::9", kT0));
  EXPECT_TRUE(retry_after("c@x.org", "2001:db8:1:2::abcd", kT0).has_value());
  EXPECT_TRUE(succeed("c@x.org", "2001:db8:1:3::1", kT0));
  // IPv4-mapped IPv6 is the IPv4 address.
  EXPECT_EQ(RateLimiter::ip_key("::ffff:198.51.100.1"), RateLimiter::ip_key("198.51.100.1"));
  EXPECT_NE(RateLimiter::ip_key("198.51.100.1"), RateLimiter::ip_key("198.51.100.2"));
}

TEST_F(RateLimiterTest, KeysHoldNoRawEmailOrIp) {
  const std::string e = RateLimiter::email_key("alice@example.com");
  const std::string i = RateLimiter::ip_key("198.51.100.1");
  EXPECT_TRUE(e.starts_with("login:email:"));
  EXPECT_TRUE(i.starts_with("login:ip:"));
  EXPECT_EQ(e.find("alice"), std::string::npos);
  EXPECT_EQ(e.find("example"), std::string::npos);
  EXPECT_EQ(i.find("198"), std::string::npos);
  EXPECT_NE(e, RateLimiter::email_key("alice@example.org"));
}

// Attempts in flight reserve their guess; when only they stand in the way the refusal says so
// (kConcurrencyLimited, retry in 1 s), not "too many failures".
TEST_F(RateLimiterTest, ConcurrentAttemptsCannotExceedTheEmailBudget) {
  // Five attempts in flight at once (none recorded yet): the sixth must wait for them.
  std::vector<RateLimiter::Attempt> in_flight;
  for (int i = 0; i < 5; ++i) {
    auto a = limiter_->check("a@x.org", "198.51.100.1", kT0);
    ASSERT_TRUE(a.has_value());
    in_flight.push_back(std::move(*a));
  }
  auto crowded = refusal("a@x.org", "198.51.100.1", kT0);
  ASSERT_TRUE(crowded.has_value());
  EXPECT_EQ(crowded->code, Errc::kConcurrencyLimited);
  EXPECT_EQ(crowded->retry_after, 1);
  EXPECT_TRUE(succeed("b@x.org", "198.51.100.1", kT0));  // per email only
  // All five fail: now it is the recorded window that refuses.
  for (auto& a : in_flight) ASSERT_TRUE(limiter_->record_failure(a, kT0).has_value());
  EXPECT_EQ(retry_after("a@x.org", "198.51.100.1", kT0 + 1), 899);
}

TEST_F(RateLimiterTest, StoredFailuresPlusInFlightIsConcurrencyLimited) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0));
  auto first = limiter_->check("a@x.org", "198.51.100.1", kT0);
  auto second = limiter_->check("a@x.org", "198.51.100.2", kT0);
  ASSERT_TRUE(first.has_value() && second.has_value());
  std::optional<RateLimiter::Attempt> one(std::move(*first));
  auto crowded = refusal("a@x.org", "198.51.100.3", kT0);
  ASSERT_TRUE(crowded.has_value());
  EXPECT_EQ(crowded->code, Errc::kConcurrencyLimited);
  EXPECT_EQ(crowded->retry_after, 1);
  // The refused check left no reservation behind: dropping one attempt frees exactly one slot.
  one.reset();
  auto three = limiter_->check("a@x.org", "198.51.100.3", kT0);
  EXPECT_TRUE(three.has_value());
  EXPECT_EQ(refusal("a@x.org", "198.51.100.4", kT0).value_or(Error{}).code,
            Errc::kConcurrencyLimited);
}

// A reached failure limit outranks the in-flight one: its Retry-After is the window's end.
TEST_F(RateLimiterTest, AReachedLimitIsRateLimitedEvenWithAttemptsInFlight) {
  reset(RateLimitConfig{.email_max_failures = 2, .ip_max_failures = 2, .ip_window = 500});
  ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0));
  ASSERT_TRUE(fail("b@x.org", "198.51.100.1", kT0));  // the IP limit is reached
  auto held = limiter_->check("c@x.org", "198.51.100.2", kT0);
  ASSERT_TRUE(held.has_value());
  auto held2 = limiter_->check("c@x.org", "198.51.100.2", kT0);
  ASSERT_TRUE(held2.has_value());
  // c@x.org is crowded AND its IP is over the limit: the window decides.
  EXPECT_EQ(retry_after("c@x.org", "198.51.100.1", kT0 + 10), 490);
  // Crowded alone: 1 s.
  auto crowded = refusal("c@x.org", "198.51.100.3", kT0 + 10);
  ASSERT_TRUE(crowded.has_value());
  EXPECT_EQ(crowded->code, Errc::kConcurrencyLimited);
}

// Issue 14, defect 2: the per-IP limit reserves too. Attempts in flight from one address count
// against its budget whatever account they are for.
TEST_F(RateLimiterTest, AttemptsInFlightFromOneAddressCannotExceedTheIpBudget) {
  reset(RateLimitConfig{.ip_max_failures = 3});
  std::vector<RateLimiter::Attempt> in_flight;
  for (int i = 0; i < 3; ++i) {
    auto a = limiter_->check("user" + std::to_string(i) + "@x.org", "198.51.100.1", kT0);
    ASSERT_TRUE(a.has_value()) << i;
    in_flight.push_back(std::move(*a));
  }
  auto crowded = refusal("fresh@x.org", "198.51.100.1", kT0);
  ASSERT_TRUE(crowded.has_value());
  EXPECT_EQ(crowded->code, Errc::kConcurrencyLimited);
  EXPECT_TRUE(succeed("fresh@x.org", "198.51.100.2", kT0));  // another address
  for (auto& a : in_flight) ASSERT_TRUE(limiter_->record_failure(a, kT0).has_value());
  EXPECT_EQ(retry_after("fresh@x.org", "198.51.100.1", kT0 + 1), 899);
}

// What admit() handed its callback, once.
struct Outcome {
  std::optional<std::expected<RateLimiter::Attempt, Error>> got;
  int calls = 0;
  RateLimiter::Admitted callback() {
    return [this](std::expected<RateLimiter::Attempt, Error> a) {
      ++calls;
      got.emplace(std::move(a));
    };
  }
};

// admit() waits where check() would answer kConcurrencyLimited: an ended attempt wakes it.
// A success resets the count, so every waiter behind it gets its turn.
TEST_F(RateLimiterTest, AdmitWaitsForAttemptsInFlightAndASuccessLetsTheWaitersIn) {
  base::ManualClock clock(kT0);
  std::vector<RateLimiter::Attempt> in_flight;
  for (int i = 0; i < 5; ++i) in_flight.push_back(*limiter_->check("a@x.org", "198.51.100.1", kT0));
  std::vector<Outcome> waiting(3);
  for (Outcome& o : waiting) limiter_->admit("a@x.org", "198.51.100.2", clock, o.callback());
  for (Outcome& o : waiting) EXPECT_EQ(o.calls, 0);  // queued, not refused
  // One attempt ends: room for exactly one more in flight.
  ASSERT_TRUE(limiter_->record_success(in_flight[0]).has_value());
  ASSERT_EQ(waiting[0].calls, 1);
  EXPECT_TRUE(waiting[0].got->has_value());
  EXPECT_EQ(waiting[1].calls, 0);
  EXPECT_EQ(waiting[2].calls, 0);
  ASSERT_TRUE(limiter_->record_success(in_flight[1]).has_value());
  ASSERT_TRUE(limiter_->record_success(in_flight[2]).has_value());
  for (Outcome& o : waiting) {
    ASSERT_EQ(o.calls, 1);
    EXPECT_TRUE(o.got->has_value());
  }
}

// Waiters behind failing attempts are never left waiting: once the budget is spent they are
// all refused with the failure limit's answer, and none of them was evaluated.
TEST_F(RateLimiterTest, AdmitRefusesTheWaitersOnceTheFailuresLand) {
  base::ManualClock clock(kT0);
  std::vector<RateLimiter::Attempt> in_flight;
  for (int i = 0; i < 5; ++i) in_flight.push_back(*limiter_->check("a@x.org", "198.51.100.1", kT0));
  std::vector<Outcome> waiting(10);
  for (Outcome& o : waiting) limiter_->admit("a@x.org", "198.51.100.2", clock, o.callback());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(limiter_->record_failure(in_flight[i], kT0).has_value());
    // f failures + (5 - f) in flight: still exactly the budget, so they keep waiting.
    if (i < 4) {
      for (Outcome& o : waiting) EXPECT_EQ(o.calls, 0) << "after failure " << i;
    }
  }
  for (Outcome& o : waiting) {
    ASSERT_EQ(o.calls, 1);
    ASSERT_FALSE(o.got->has_value());
    EXPECT_EQ(o.got->error().code, Errc::kRateLimited);
  }
}

// A bounded queue: past kMaxWaitersPerKey the answer is the honest "too many in progress".
TEST_F(RateLimiterTest, AdmitQueuesAtMostKMaxWaitersPerKey) {
  base::ManualClock clock(kT0);
  reset(RateLimitConfig{.email_max_failures = 1});
  auto held = limiter_->check("a@x.org", "198.51.100.1", kT0);
  ASSERT_TRUE(held.has_value());
  std::vector<Outcome> waiting(RateLimiter::kMaxWaitersPerKey + 1);
  for (Outcome& o : waiting) limiter_->admit("a@x.org", "198.51.100.2", clock, o.callback());
  for (std::size_t i = 0; i < RateLimiter::kMaxWaitersPerKey; ++i) EXPECT_EQ(waiting[i].calls, 0);
  Outcome& last = waiting.back();
  ASSERT_EQ(last.calls, 1);
  ASSERT_FALSE(last.got->has_value());
  EXPECT_EQ(last.got->error().code, Errc::kConcurrencyLimited);
  EXPECT_EQ(last.got->error().retry_after, 1);
  // The one in flight fails: the budget (1) is spent and every waiter is told so.
  ASSERT_TRUE(limiter_->record_failure(*held, kT0).has_value());
  for (std::size_t i = 0; i < RateLimiter::kMaxWaitersPerKey; ++i) {
    ASSERT_EQ(waiting[i].calls, 1);
    EXPECT_EQ(waiting[i].got->error().code, Errc::kRateLimited);
  }
}

// Many threads admitting at once, correct and wrong guesses mixed: every callback runs exactly
// once, at most the budget of failures is ever evaluated, and every correct login that found
// room got in.
TEST(RateLimiterRaceTest, ConcurrentAdmitsAllFinishAndKeepTheBudget) {
  store::Stores stores = testing::memory_stores();
  const RateLimitConfig config;  // 5 per email, 50 per IP
  RateLimiter limiter(stores.counters, config);
  base::ManualClock clock(kT0);
  constexpr int kThreads = 24;
  std::atomic<int> calls{0}, admitted{0}, wrong_admitted{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      const bool correct = t % 2 == 0;
      limiter.admit("a@x.org", "198.51.100." + std::to_string(t), clock,
                    [&, correct](std::expected<RateLimiter::Attempt, Error> a) {
                      ++calls;
                      if (!a) return;
                      ++admitted;
                      if (correct) {
                        EXPECT_TRUE(limiter.record_success(*a).has_value());
                      } else {
                        ++wrong_admitted;
                        EXPECT_TRUE(limiter.record_failure(*a, kT0).has_value());
                      }
                    });
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls.load(), kThreads);
  EXPECT_GE(admitted.load(), 1);
  auto count = stores.counters->get(RateLimiter::email_key("a@x.org"), kT0);
  ASSERT_TRUE(count.has_value());
  EXPECT_LE(count->value, config.email_max_failures);
}

TEST_F(RateLimiterTest, SignupsAreCountedPerAddressBeforeAnyWork) {
  reset(RateLimitConfig{.signup_ip_max = 2, .signup_ip_window = 3600});
  EXPECT_TRUE(limiter_->count_signup("198.51.100.1", kT0).has_value());
  EXPECT_TRUE(limiter_->count_signup("198.51.100.1", kT0 + 1).has_value());
  auto third = limiter_->count_signup("198.51.100.1", kT0 + 10);
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, Errc::kRateLimited);
  EXPECT_EQ(third.error().retry_after, 3590);
  EXPECT_NE(third.error().detail.find("sign-ups"), std::string::npos);
  EXPECT_TRUE(limiter_->count_signup("198.51.100.2", kT0 + 10).has_value());
  EXPECT_TRUE(limiter_->count_signup("198.51.100.1", kT0 + 3600).has_value());  // a new window
  EXPECT_EQ(RateLimiter::signup_key("198.51.100.1").find("198"), std::string::npos);
  reset(RateLimitConfig{.signup_ip_max = 0});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(limiter_->count_signup("198.51.100.1", kT0));
}

TEST_F(RateLimiterTest, MailRequestsAreCountedPerAddressAndPerClient) {
  reset(RateLimitConfig{.mail_email_max = 2, .mail_ip_max = 3, .mail_window = 3600});
  // The address: two, then refused (another client too); the raw values are not in the keys.
  EXPECT_TRUE(limiter_->count_mail_request("a@x.org", "198.51.100.1", kT0));
  EXPECT_TRUE(limiter_->count_mail_request("a@x.org", "198.51.100.2", kT0));
  auto third = limiter_->count_mail_request("a@x.org", "198.51.100.3", kT0 + 10);
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, Errc::kRateLimited);
  EXPECT_EQ(third.error().retry_after, 3590);
  EXPECT_NE(third.error().detail.find("address"), std::string::npos);
  // The client: 198.51.100.1 made one above; two more addresses, then refused.
  EXPECT_TRUE(limiter_->count_mail_request("b@x.org", "198.51.100.1", kT0));
  EXPECT_TRUE(limiter_->count_mail_request("c@x.org", "198.51.100.1", kT0));
  auto fourth = limiter_->count_mail_request("d@x.org", "198.51.100.1", kT0);
  ASSERT_FALSE(fourth.has_value());
  EXPECT_NE(fourth.error().detail.find("client"), std::string::npos);
  EXPECT_TRUE(limiter_->count_mail_request("a@x.org", "198.51.100.9", kT0 + 3600));  // new window
  EXPECT_EQ(RateLimiter::mail_email_key("a@x.org").find("x.org"), std::string::npos);
  EXPECT_EQ(RateLimiter::mail_ip_key("198.51.100.1").find("198"), std::string::npos);
}

// A counter store that runs a hook once, right after answering `get` for an email key: lets a
// test put another attempt's end exactly between a check's read and its decision.
class HookedCounters final : public store::CounterStore {
 public:
  explicit HookedCounters(std::shared_ptr<store::CounterStore> inner) : inner_(std::move(inner)) {}
  std::function<void()> after_email_get;

  std::expected<store::Count, store::StoreError> increment(std::string_view key, std::int64_t now,
                                                           std::int64_t window) override {
    return inner_->increment(key, now, window);
  }
  std::expected<store::Count, store::StoreError> get(std::string_view key,
                                                     std::int64_t now) override {
    auto c = inner_->get(key, now);
    if (key.starts_with("login:email:") && after_email_get) std::exchange(after_email_get, {})();
    return c;
  }
  std::expected<void, store::StoreError> reset(std::string_view key) override {
    return inner_->reset(key);
  }

 private:
  std::shared_ptr<store::CounterStore> inner_;
};

// The race a reservation taken after the read would lose: B, the last permitted guess, fails
// between A's counter read (4 failures) and A's look at the reservations (B's already gone).
// A must still be refused: reservations come first, so A counted B as in flight.
TEST(RateLimiterRaceTest, AFailureLandingBetweenReadAndDecisionIsNeverMissed) {
  store::Stores stores = testing::memory_stores();
  auto hooked = std::make_shared<HookedCounters>(stores.counters);
  RateLimiter limiter(hooked, RateLimitConfig{});
  for (int i = 0; i < 4; ++i) {
    auto a = limiter.check("a@x.org", "198.51.100.1", kT0);
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(limiter.record_failure(*a, kT0).has_value());
  }
  auto b = limiter.check("a@x.org", "198.51.100.1", kT0);  // the fifth guess
  ASSERT_TRUE(b.has_value());
  hooked->after_email_get = [&] { ASSERT_TRUE(limiter.record_failure(*b, kT0).has_value()); };
  auto a = limiter.check("a@x.org", "198.51.100.1", kT0);  // would be the sixth
  EXPECT_FALSE(hooked->after_email_get);                   // the hook ran
  ASSERT_FALSE(a.has_value()) << "a sixth guess was permitted";
  EXPECT_EQ(a.error().code, Errc::kConcurrencyLimited);
  auto count = stores.counters->get(RateLimiter::email_key("a@x.org"), kT0);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(count->value, 5);
}

// Many wrong guesses at once from many threads: at most email_max_failures are permitted and
// counted, however they interleave; the rest are refused with one of the two 429 codes.
TEST(RateLimiterRaceTest, ManyConcurrentWrongGuessesGetAtMostTheBudget) {
  store::Stores stores = testing::memory_stores();
  const RateLimitConfig config;  // 5 per email
  RateLimiter limiter(stores.counters, config);
  constexpr int kThreads = 32;
  constexpr int kRounds = 3;  // later rounds meet recorded failures as well as reservations
  std::atomic<int> permitted{0}, crowded{0}, limited{0}, other{0};
  for (int round = 0; round < kRounds; ++round) {
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        auto a = limiter.check("a@x.org", "198.51.100." + std::to_string(t), kT0);
        if (!a) {
          if (a.error().code == Errc::kConcurrencyLimited) {
            ++crowded;
          } else if (a.error().code == Errc::kRateLimited) {
            ++limited;
          } else {
            ++other;
          }
          return;
        }
        ++permitted;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the password check
        EXPECT_TRUE(limiter.record_failure(*a, kT0).has_value());
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_LE(permitted.load(), config.email_max_failures);
  EXPECT_GE(permitted.load(), 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(permitted.load() + crowded.load() + limited.load(), kThreads * kRounds);
  auto count = stores.counters->get(RateLimiter::email_key("a@x.org"), kT0);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(count->value, permitted.load());
  // Whatever the interleaving, the budget is exactly the limit: sequential guesses fill it.
  int more = 0;
  for (;;) {
    auto a = limiter.check("a@x.org", "203.0.113.1", kT0 + 1);
    if (!a) {
      EXPECT_EQ(a.error().code, Errc::kRateLimited);
      break;
    }
    ASSERT_TRUE(limiter.record_failure(*a, kT0 + 1).has_value());
    ASSERT_LE(++more, config.email_max_failures);
  }
  EXPECT_EQ(permitted.load() + more, config.email_max_failures);
}

TEST_F(RateLimiterTest, DroppingAnAttemptReleasesItsReservation) {
  reset(RateLimitConfig{.email_max_failures = 1});
  {
    auto a = limiter_->check("a@x.org", "198.51.100.1", kT0);
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(refusal("a@x.org", "198.51.100.1", kT0).has_value());
    RateLimiter::Attempt moved = std::move(*a);  // the reservation moves with it
    EXPECT_TRUE(refusal("a@x.org", "198.51.100.1", kT0).has_value());
  }  // dropped (e.g. the pool was busy): not a failure
  EXPECT_TRUE(succeed("a@x.org", "198.51.100.1", kT0));
}

TEST_F(RateLimiterTest, ZeroDisablesALimit) {
  reset(RateLimitConfig{.email_max_failures = 0, .ip_max_failures = 0});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0));
}

TEST(RateLimiterDownTest, FailsClosed) {
  RateLimiter limiter(std::make_shared<testing::DownCounters>(), RateLimitConfig{});
  auto a = limiter.check("a@x.org", "198.51.100.1", kT0);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tessera::auth
