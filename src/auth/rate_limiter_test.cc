#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

#include <optional>
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
  std::optional<std::int64_t> retry_after(std::string_view email, std::string_view ip,
                                          std::int64_t now) {
    auto a = limiter_->check(email, ip, now);
    if (a) return std::nullopt;
    EXPECT_EQ(a.error().code, Errc::kRateLimited);
    return a.error().retry_after;
  }
};

TEST_F(RateLimiterTest, DefaultsAreTheSpecs) {
  const RateLimitConfig c;
  EXPECT_EQ(c.email_max_failures, 5);
  EXPECT_EQ(c.email_window, 900);
  EXPECT_EQ(c.ip_max_failures, 50);
  EXPECT_EQ(c.ip_window, 900);
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

TEST_F(RateLimiterTest, ConcurrentAttemptsCannotExceedTheEmailBudget) {
  // Five attempts in flight at once (none recorded yet): the sixth must wait for them.
  std::vector<RateLimiter::Attempt> in_flight;
  for (int i = 0; i < 5; ++i) {
    auto a = limiter_->check("a@x.org", "198.51.100.1", kT0);
    ASSERT_TRUE(a.has_value());
    in_flight.push_back(std::move(*a));
  }
  EXPECT_EQ(retry_after("a@x.org", "198.51.100.1", kT0), 1);
  EXPECT_TRUE(succeed("b@x.org", "198.51.100.1", kT0));  // per email only
  // All five fail: now it is the recorded window that refuses.
  for (auto& a : in_flight) ASSERT_TRUE(limiter_->record_failure(a, kT0).has_value());
  EXPECT_EQ(retry_after("a@x.org", "198.51.100.1", kT0 + 1), 899);
}

TEST_F(RateLimiterTest, DroppingAnAttemptReleasesItsReservation) {
  reset(RateLimitConfig{.email_max_failures = 1});
  {
    auto a = limiter_->check("a@x.org", "198.51.100.1", kT0);
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(retry_after("a@x.org", "198.51.100.1", kT0).has_value());
    RateLimiter::Attempt moved = std::move(*a);  // the reservation moves with it
    EXPECT_TRUE(retry_after("a@x.org", "198.51.100.1", kT0).has_value());
  }  // dropped (e.g. the pool was busy): not a failure
  EXPECT_TRUE(succeed("a@x.org", "198.51.100.1", kT0));
}

TEST_F(RateLimiterTest, ZeroDisablesALimit) {
  reset(RateLimitConfig{.email_max_failures = 0, .ip_max_failures = 0});
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(fail("a@x.org", "198.51.100.1", kT0));
}

// A counter store that is down.
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

TEST(RateLimiterDownTest, FailsClosed) {
  RateLimiter limiter(std::make_shared<DownCounters>(), RateLimitConfig{});
  auto a = limiter.check("a@x.org", "198.51.100.1", kT0);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tessera::auth
