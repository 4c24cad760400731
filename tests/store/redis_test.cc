// What only the Redis cache has to prove; the behaviour every backend shares is in
// conformance_test.cc ("sqlite+redis"). Here: every key it writes expires; an outage or a hung
// server fails operations closed within the network bound, and service resumes by itself; the
// change feed reaches other nodes and survives a Redis restart; atomicity holds across nodes
// (separate pools) under concurrency; values nobody should have written fail closed as
// kCorrupt, reported, never a crash.
//
// Shared-server tests use TESSERA_TEST_REDIS_URL (they fail, saying how to run them, without
// it); fault tests start a private server (testing::PrivateRedis).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "redis_test_util.h"
#include "resp_client.h"
#include "store/redis/admin.h"
#include "store/redis/codec.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::make_session;
using testing::token;
using testing::user_id;

// on_error lines, from any thread.
class ErrorLog {
 public:
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// A ChangeFeed listener that records what it hears and lets a test wait for it.
class Hints {
 public:
  std::unique_ptr<ChangeFeed::Subscription> subscribe(ChangeFeed& feed) {
    return feed.subscribe(
        [this](ChangeTopic topic, std::string_view payload) {
          std::lock_guard lock(mu_);
          heard_.emplace_back(topic, std::string(payload));
          cv_.notify_all();
        },
        [this] {
          std::lock_guard lock(mu_);
          ++resubscribed_;
          cv_.notify_all();
        });
  }
  bool wait_for(ChangeTopic topic, const std::string& payload, milliseconds timeout = 3000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::find(heard_.begin(), heard_.end(), std::pair(topic, payload)) != heard_.end();
    });
  }
  bool wait_resubscribed(int times, milliseconds timeout = 3000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return resubscribed_ >= times; });
  }
  std::size_t heard() {
    std::lock_guard lock(mu_);
    return heard_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<ChangeTopic, std::string>> heard_;
  int resubscribed_ = 0;
};

Stores open(const StoreConfig& config) {
  auto stores = open_stores(config);
  EXPECT_TRUE(stores) << stores.error();
  return stores ? std::move(*stores) : Stores{};
}

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// ---- the shared test server ------------------------------------------------------------------

// Each test: the memory backend for what the cache does not hold, Redis under a fresh prefix.
class RedisCache : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.backend = "memory";
    ASSERT_TRUE(testing::use_test_redis(config_));
    config_.on_error = errors_.sink();
  }
  void TearDown() override {
    if (!config_.redis_url.empty()) testing::drop_prefix(config_);
  }

  ErrorLog errors_;
  StoreConfig config_;
};

TEST_F(RedisCache, EveryKeyWrittenHasATtlBoundedByWhatItServes) {
  config_.session_max_lifetime_seconds = 3600;
  config_.not_before_keep_seconds = 600;
  Stores s = open(config_);
  ASSERT_TRUE(s.sessions);
  const std::int64_t now = unix_now();

  // Sessions: user 1 over its cap (one eviction), touched, one removed; user 2; a purge.
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(s.sessions->create(make_session(1, i, now + i), 3));
  ASSERT_TRUE(s.sessions->create(make_session(2, 10, now), 0));
  ASSERT_TRUE(s.sessions->touch(token(2), now + 100));
  ASSERT_TRUE(s.sessions->remove(token(3)));
  EXPECT_EQ(s.sessions->list(user_id(1))->size(), 2u);
  EXPECT_EQ(s.sessions->purge(now - 86400, now - 86400).value(), 0u);
  // Counters: a login attempt by IP and by email.
  ASSERT_TRUE(s.counters->increment("login:ip:203.0.113.9", now, 900));
  ASSERT_TRUE(s.counters->increment("login:ip:203.0.113.9", now, 900));
  ASSERT_TRUE(s.counters->increment("login:email:alice@example.com", now, 60));
  // Revocations: a logout, a logout-everywhere, and a follower reading.
  ASSERT_TRUE(s.revocations->deny("jti-1", now + 900, now));
  ASSERT_TRUE(s.revocations->deny("jti-2", now + 10, now));
  ASSERT_TRUE(s.revocations->set_not_before(user_id(1), now * 1000));
  ASSERT_TRUE(s.revocations->snapshot(now));
  EXPECT_EQ(s.revocations->events_after(0, 10)->size(), 3u);
  EXPECT_EQ(s.revocations->purge(now - 1000, now - 3600).value(), 0u);

  auto keys = redis::list_keys(config_);
  ASSERT_TRUE(keys) << keys.error();
  // The families of keys the layout names (store/redis/scripts.h), and the TTL bound of each.
  const std::map<std::string, std::int64_t> bound_ms = {{"session:", 3600'000},
                                                        {"user_sessions:", 3600'000},
                                                        {"sessions:by_created", 3600'000},
                                                        {"sessions:by_seen", 3600'000},
                                                        {"counter:", 900'000},
                                                        {"revocation:denied", 901'000},
                                                        {"revocation:not_before", 600'000},
                                                        {"revocation:raised", 600'000},
                                                        {"revocation:state", 86400'000},
                                                        {"revocation:log", 86400'000},
                                                        {"revocation:log_at", 86400'000}};
  std::map<std::string, int> seen;
  for (const redis::KeyTtl& k : *keys) {
    ASSERT_TRUE(k.key.starts_with(config_.redis_prefix)) << k.key;
    const std::string name = k.key.substr(config_.redis_prefix.size());
    std::string family;
    for (const auto& [f, bound] : bound_ms) {
      const bool is_dir = f.ends_with(':');
      if (is_dir ? name.starts_with(f) : name == f) family = f;
    }
    ASSERT_FALSE(family.empty()) << "a key outside the layout: " << name;
    ++seen[family];
    EXPECT_GT(k.ttl_ms, 0) << name;  // -1 would be a key that never expires
    EXPECT_LE(k.ttl_ms, bound_ms.at(family)) << name;
  }
  EXPECT_EQ(seen.size(), bound_ms.size());  // every family was written
  EXPECT_EQ(seen["session:"], 3);           // 5 created, 1 evicted, 1 removed
  EXPECT_EQ(seen["user_sessions:"], 2);
  EXPECT_EQ(seen["counter:"], 2);
}

// A session whose key expired (its TTL: the absolute lifetime) before purge() ran leaves index
// entries behind: never listed or counted against the cap, and gone at the user's next create.
TEST_F(RedisCache, SessionsGoneByTheirTtlAreNeitherListedNorCounted) {
  Stores s = open(config_);
  testing::RespClient raw(config_.redis_url);
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(s.sessions->create(make_session(1, n, 1000 + n), 0));
  ASSERT_EQ(raw.command({"DEL", config_.redis_prefix + "session:" + to_hex(token(2))}), ":1");

  auto left = s.sessions->list(user_id(1));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].id_hash, token(3));
  EXPECT_EQ((*left)[1].id_hash, token(1));
  EXPECT_EQ(s.sessions->touch(token(2), 2000).error(), StoreError::kNotFound);
  EXPECT_EQ(s.sessions->remove(token(2)).error(), StoreError::kNotFound);

  // Two live sessions and the new one make three: within a cap of 3, nothing evicted.
  EXPECT_EQ(s.sessions->create(make_session(1, 4, 1004), 3).value(), 0u);
  const std::string index = config_.redis_prefix + "user_sessions:" + to_uuid(user_id(1));
  EXPECT_EQ(raw.command({"ZCARD", index}), ":3");
  EXPECT_EQ(raw.command({"ZSCORE", config_.redis_prefix + "sessions:by_created", to_hex(token(2))}),
            "$<nil>");
  EXPECT_EQ(s.sessions->remove_all(user_id(1)).value(), 3u);
}

// purge() deletes in bounded batches (one script must not hold the server for long), and keeps
// going until everything due is gone.
TEST_F(RedisCache, PurgeRunsBatchAfterBatchUntilDone) {
  Stores s = open(config_);
  constexpr int kMany = 1200;  // more than two batches
  for (int n = 1; n <= kMany; ++n) {
    ASSERT_TRUE(s.sessions->create(make_session(1 + n % 7, n, 1000 + n % 3), 0));
    ASSERT_TRUE(s.revocations->deny("j" + std::to_string(n), 1000, 500));
  }
  ASSERT_TRUE(s.sessions->create(make_session(1, kMany + 1, 5000), 0));
  EXPECT_EQ(s.sessions->purge(2000, 0).value(), static_cast<std::size_t>(kMany));
  EXPECT_TRUE(s.sessions->find(token(kMany + 1)));
  EXPECT_EQ(s.sessions->list(user_id(1))->size(), 1u);
  // The denylist entries (expired at 1001) and their events (logged at 500).
  EXPECT_EQ(s.revocations->purge(1001, 501).value(), static_cast<std::size_t>(2 * kMany));
  EXPECT_TRUE(s.revocations->snapshot(0)->denied.empty());
  EXPECT_EQ(s.revocations->events_after(0, 1).error(), StoreError::kNotFound);
  EXPECT_TRUE(s.revocations->events_after(kMany, 1)->empty());
}

TEST_F(RedisCache, TwoNodesHearEachOthersHintsAndOtherPrefixesHearNothing) {
  Stores a = open(config_), b = open(config_);
  ASSERT_TRUE(a.changes && b.changes);
  StoreConfig other = config_;
  other.redis_prefix = testing::random_prefix();
  Stores c = open(other);
  Hints on_b, on_c;
  auto sub_b = on_b.subscribe(*b.changes);
  auto sub_c = on_c.subscribe(*c.changes);
  EXPECT_TRUE(on_b.wait_resubscribed(1));  // the first subscription counts too
  const std::int64_t now = unix_now();

  ASSERT_TRUE(a.revocations->deny("jti", now + 60, now));
  EXPECT_TRUE(on_b.wait_for(ChangeTopic::kRevocation, ""));
  ASSERT_TRUE(a.revocations->set_not_before(user_id(1), now * 1000));
  ASSERT_TRUE(a.sessions->create(make_session(1, 1, now), 0));
  ASSERT_TRUE(a.sessions->remove(token(1)));
  EXPECT_TRUE(on_b.wait_for(ChangeTopic::kSession, to_hex(token(1))));
  ASSERT_TRUE(a.sessions->create(make_session(2, 2, now), 0));
  ASSERT_TRUE(a.sessions->create(make_session(2, 3, now), 0));
  ASSERT_EQ(a.sessions->remove_all(user_id(2)).value(), 2u);
  EXPECT_TRUE(on_b.wait_for(ChangeTopic::kSession, ""));
  a.changes->publish(ChangeTopic::kKeys, "");
  EXPECT_TRUE(on_b.wait_for(ChangeTopic::kKeys, ""));
  b.changes->publish(ChangeTopic::kKeys, "own");  // a node hears its own hints too
  EXPECT_TRUE(on_b.wait_for(ChangeTopic::kKeys, "own"));

  // c shares the server but not the prefix: by the time b heard all that, c heard nothing.
  EXPECT_EQ(on_c.heard(), 0u);
  c.changes->publish(ChangeTopic::kKeys, "c");
  EXPECT_TRUE(on_c.wait_for(ChangeTopic::kKeys, "c"));
  EXPECT_FALSE(on_b.wait_for(ChangeTopic::kKeys, "c", 200ms));
}

TEST_F(RedisCache, ConcurrentIncrementsFromTwoNodesAreExact) {
  config_.redis_pool = 2;  // 8 threads per node: most wait for a connection
  Stores nodes[2] = {open(config_), open(config_)};
  constexpr int kThreads = 16, kPerThread = 100;
  auto race = testing::increment_concurrently(
      kThreads, kPerThread, [&](int t) -> CounterStore& { return *nodes[t % 2].counters; });
  EXPECT_EQ(race.failures, 0);
  EXPECT_EQ(nodes[0].counters->get("hot", 1000)->value, kThreads * kPerThread);
  const std::set<std::int64_t> all(race.values.begin(), race.values.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));  // none lost or twice
}

TEST_F(RedisCache, ConcurrentCreatesFromTwoNodesKeepExactlyTheCap) {
  config_.redis_pool = 2;
  Stores nodes[2] = {open(config_), open(config_)};
  constexpr int kThreads = 8, kPerThread = 20;
  constexpr std::size_t kCap = 3;
  auto race = testing::create_concurrently(
      kThreads, kPerThread, kCap, [&](int t) -> SessionStore& { return *nodes[t % 2].sessions; });
  EXPECT_EQ(race.failures, 0);
  EXPECT_EQ(race.evicted, kThreads * kPerThread - kCap);
  EXPECT_EQ(nodes[1].sessions->list(user_id(1))->size(), kCap);
  // No evicted session left anything behind: exactly kCap session hashes exist.
  auto keys = redis::list_keys(config_);
  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ(std::count_if(keys->begin(), keys->end(),
                          [&](const redis::KeyTtl& k) {
                            return k.key.starts_with(config_.redis_prefix + "session:");
                          }),
            static_cast<std::ptrdiff_t>(kCap));
}

TEST_F(RedisCache, ValuesTheStoresNeverWroteFailClosedAsCorrupt) {
  Stores s = open(config_);
  testing::RespClient raw(config_.redis_url);
  const std::string p = config_.redis_prefix;

  // A session hash with a field missing, and one with a field that is not a number.
  ASSERT_EQ(raw.command({"HSET", p + "session:" + to_hex(token(1)), "user", to_uuid(user_id(1))}),
            ":1");
  EXPECT_EQ(s.sessions->find(token(1)).error(), StoreError::kCorrupt);
  ASSERT_TRUE(s.sessions->create(make_session(2, 2, 1000), 0));
  ASSERT_EQ(raw.command({"HSET", p + "session:" + to_hex(token(2)), "created", "soon"}), ":0");
  EXPECT_EQ(s.sessions->find(token(2)).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.sessions->list(user_id(2)).error(), StoreError::kCorrupt);
  ASSERT_EQ(raw.command({"HSET", p + "session:" + to_hex(token(2)), "seen", "later"}), ":0");
  EXPECT_EQ(s.sessions->touch(token(2), 2000).error(), StoreError::kCorrupt);

  // A key of the wrong type where a counter lives, and a counter window that is not a number.
  ASSERT_EQ(raw.command({"SET", p + "counter:k", "12"}), "+OK");
  EXPECT_EQ(s.counters->increment("k", 1000, 60).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.counters->get("k", 1000).error(), StoreError::kCorrupt);
  ASSERT_EQ(raw.command({"HSET", p + "counter:w", "value", "1", "ends", "never"}), ":2");
  EXPECT_EQ(s.counters->increment("w", 1000, 60).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.counters->get("w", 1000).error(), StoreError::kCorrupt);

  // The revocation log: a state of the wrong type, then an event that does not decode.
  ASSERT_EQ(raw.command({"SET", p + "revocation:state", "x"}), "+OK");
  EXPECT_EQ(s.revocations->snapshot(1000).error(), StoreError::kCorrupt);
  EXPECT_EQ(s.revocations->deny("j", 2000, 1000).error(), StoreError::kCorrupt);
  ASSERT_EQ(raw.command({"DEL", p + "revocation:state"}), ":1");
  ASSERT_TRUE(s.revocations->deny("j", 2000, 1000));
  ASSERT_EQ(raw.command({"ZADD", p + "revocation:log", "2", "2|1000|z|0|?"}), ":1");
  ASSERT_EQ(raw.command({"HSET", p + "revocation:state", "last_seq", "2"}), ":0");
  EXPECT_EQ(s.revocations->events_after(0, 10).error(), StoreError::kCorrupt);
  ASSERT_EQ(raw.command({"HSET", p + "revocation:not_before", to_uuid(user_id(1)), "x"}), ":1");
  EXPECT_EQ(s.revocations->not_before(user_id(1)).error(), StoreError::kCorrupt);

  // Each failure was reported, one line each.
  const auto lines = errors_.lines();
  EXPECT_GE(lines.size(), 10u);
  for (const auto& line : lines) {
    EXPECT_TRUE(line.starts_with("redis: ")) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
  // The stores still work for everything else.
  EXPECT_EQ(s.counters->increment("fine", 1000, 60)->value, 1);
}

// ---- configuration (no server needed) --------------------------------------------------------

// Redis can lose the revocation state (a restart without persistence, a flush, every key
// expired); here its keys are deleted, which is what an empty restart leaves. A snapshot says
// since when the state it read is complete, the same on every node. A store object whose
// snapshot predates the loss gets no answer from the state begun since - events_after says
// "take a new snapshot", is_denied fails closed - until it takes one, which says when the new
// state began (auth/revocation.h then refuses every token issued before).
TEST_F(RedisCache, ALostRevocationStateIsReportedAndNeverAnsweredFrom) {
  Stores node = open(config_), other = open(config_);
  ASSERT_TRUE(node.revocations && other.revocations);
  const std::int64_t now = unix_now();
  ASSERT_TRUE(node.revocations->deny("jti-1", now + 900, now));
  auto first = node.revocations->snapshot(now);
  ASSERT_TRUE(first);
  EXPECT_GT(first->complete_since_ms, 0);
  EXPECT_EQ(node.revocations->snapshot(now)->complete_since_ms, first->complete_since_ms);
  EXPECT_EQ(other.revocations->snapshot(now)->complete_since_ms, first->complete_since_ms);
  EXPECT_TRUE(node.revocations->is_denied("jti-1", now).value());
  EXPECT_EQ(node.revocations->events_after(0, 10)->size(), 1u);

  testing::drop_prefix(config_);
  std::this_thread::sleep_for(5ms);                               // Redis's clock moves on
  ASSERT_TRUE(other.revocations->deny("jti-2", now + 900, now));  // into a new state
  EXPECT_EQ(node.revocations->is_denied("jti-1", now).error(), StoreError::kUnavailable);
  EXPECT_EQ(node.revocations->is_denied("jti-2", now).error(), StoreError::kUnavailable);
  EXPECT_EQ(node.revocations->events_after(first->seq, 10).error(), StoreError::kNotFound);
  // Even from the start: seq 1 now names another state's event.
  EXPECT_EQ(node.revocations->events_after(0, 10).error(), StoreError::kNotFound);

  auto again = node.revocations->snapshot(now);
  ASSERT_TRUE(again);
  EXPECT_GT(again->complete_since_ms, first->complete_since_ms);
  EXPECT_EQ(again->seq, 1);
  ASSERT_EQ(again->denied.size(), 1u);
  EXPECT_EQ(again->denied[0].jti, "jti-2");
  EXPECT_FALSE(node.revocations->is_denied("jti-1", now).value());  // answered from the new state
  EXPECT_TRUE(node.revocations->is_denied("jti-2", now).value());
  EXPECT_TRUE(node.revocations->events_after(again->seq, 10)->empty());
  // A store object that never took a snapshot (a CLI run) is held to none.
  Stores cli = open(config_);
  EXPECT_TRUE(cli.revocations->is_denied("jti-2", now).value());
  // The refusals were reported.
  const auto lines = errors_.lines();
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("revocations.is_denied: the revocation state began again") != std::string::npos;
  }));
}

TEST(RedisConfig, UnknownCacheAndBadUrlsAreErrorsAndADownServerIsNot) {
  auto unknown = open_stores(StoreConfig{.backend = "memory", .cache = "memcached"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown cache"), std::string::npos) << unknown.error();
  EXPECT_FALSE(migrate(StoreConfig{.backend = "memory", .cache = "memcached"}));
  EXPECT_EQ(migrate(StoreConfig{.backend = "memory", .cache = "redis"}).value(), 0);

  for (const char* bad : {"http://127.0.0.1:6379", "redis://", "redis://:s3cret@host:port",
                          "redis://host:70000", "redis://host:6379/db", "rediss://host"}) {
    auto opened = open_stores(StoreConfig{.backend = "memory", .cache = "redis", .redis_url = bad});
    ASSERT_FALSE(opened) << bad;
    EXPECT_NE(opened.error().find("redis_url"), std::string::npos) << opened.error();
    EXPECT_EQ(opened.error().find("s3cret"), std::string::npos) << opened.error();
  }

  // Nothing connects at open: a server that is down makes the stores unready, not unopenable.
  ErrorLog errors;
  auto down = open_stores(StoreConfig{.backend = "memory",
                                      .cache = "redis",
                                      .redis_url = "redis://:s3cret@127.0.0.1:1",
                                      .network_timeout_ms = 300,
                                      .on_error = errors.sink()});
  ASSERT_TRUE(down) << down.error();
  EXPECT_FALSE(down->ready());
  EXPECT_EQ(down->counters->increment("k", 1, 60).error(), StoreError::kUnavailable);
  ASSERT_FALSE(errors.lines().empty());
  for (const auto& line : errors.lines()) EXPECT_EQ(line.find("s3cret"), std::string::npos);
}

// ---- a private server: outages ---------------------------------------------------------------

class RedisOutage : public ::testing::Test {
 protected:
  static constexpr int kBoundMs = 300;

  void SetUp() override {
    ASSERT_FALSE(redis_.url().empty());
    config_ = StoreConfig{.backend = "memory",
                          .cache = "redis",
                          .redis_url = redis_.url(),
                          .redis_prefix = "outage:",
                          .redis_pool = 2,
                          .network_timeout_ms = kBoundMs,
                          .on_error = errors_.sink()};
  }

  // Runs every kind of operation once; returns, per operation, its error (nullopt: success)
  // and checks each took no more than `max`.
  std::vector<std::optional<StoreError>> run_all(Stores& s, milliseconds max) {
    const Session session = make_session(1, 1, 1000);
    const std::vector<std::function<std::optional<StoreError>()>> ops = {
        [&] { return error_of(s.sessions->create(make_session(1, 2, 1000), 0)); },
        [&] { return error_of(s.sessions->find(session.id_hash)); },
        [&] { return error_of(s.sessions->touch(session.id_hash, 2000)); },
        [&] { return error_of(s.sessions->list(user_id(1))); },
        [&] { return error_of(s.sessions->purge(0, 0)); },
        [&] { return error_of(s.counters->increment("k", 1000, 60)); },
        [&] { return error_of(s.counters->get("k", 1000)); },
        [&] { return error_of(s.revocations->deny("j", 5000, 1000)); },
        [&] { return error_of(s.revocations->is_denied("j", 1000)); },
        [&] { return error_of(s.revocations->set_not_before(user_id(1), 1'000'000)); },
        [&] { return error_of(s.revocations->snapshot(1000)); },
        [&] { return error_of(s.revocations->events_after(0, 10)); },
        [&] { return error_of(s.revocations->purge(0, 0)); },
    };
    std::vector<std::optional<StoreError>> out;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto start = Clock::now();
      out.push_back(ops[i]());
      EXPECT_LE(Clock::now() - start, max) << "operation " << i;
    }
    return out;
  }

  template <typename T>
  static std::optional<StoreError> error_of(const std::expected<T, StoreError>& r) {
    return r ? std::nullopt : std::optional(r.error());
  }

  testing::PrivateRedis redis_;
  ErrorLog errors_;
  StoreConfig config_;
};

TEST_F(RedisOutage, DownFailsClosedAtOnceAndServiceResumesWhenItIsBack) {
  Stores s = open(config_);
  const Session session = make_session(1, 1, 1000);
  ASSERT_TRUE(s.sessions->create(session, 0));
  ASSERT_TRUE(s.ready());
  for (const auto& e : run_all(s, milliseconds(kBoundMs * 3))) EXPECT_EQ(e, std::nullopt);

  ASSERT_TRUE(redis_.stop());
  for (const auto& e : run_all(s, milliseconds(kBoundMs * 2))) {
    EXPECT_EQ(e, std::optional(StoreError::kUnavailable));
  }
  EXPECT_FALSE(s.ready());
  const auto lines = errors_.lines();
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {  // one line, and nothing of the session's id
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(line.find(to_hex(session.id_hash)), std::string::npos) << line;
  }

  // Same Stores, nothing reopened. The restarted server is empty (no persistence here), its
  // script cache too: the scripts are loaded again (EVALSHA falls back to EVAL).
  ASSERT_TRUE(redis_.restart());
  EXPECT_TRUE(s.ready());
  EXPECT_TRUE(s.sessions->create(session, 0));
  EXPECT_EQ(s.counters->increment("k", 1000, 60)->value, 1);
  // The revocation state is a new one: the snapshot taken before no longer covers it, so the
  // follower must take another before asking (RedisCache.ALostRevocationState...).
  EXPECT_EQ(s.revocations->is_denied("j", 1000).error(), StoreError::kUnavailable);
  ASSERT_TRUE(s.revocations->snapshot(1000));
  for (const auto& e : run_all(s, milliseconds(kBoundMs * 3))) EXPECT_EQ(e, std::nullopt);
}

TEST_F(RedisOutage, HungServerTimesOutWithinTheBoundEvenWithEveryConnectionBusy) {
  Stores s = open(config_);
  ASSERT_TRUE(s.sessions->create(make_session(1, 1, 1000), 0));
  ASSERT_TRUE(redis_.freeze());

  // Four callers, two connections: the last two wait for a free one, all within ~2 bounds.
  std::vector<std::thread> callers;
  std::atomic<int> unavailable{0};
  std::atomic<std::int64_t> slowest_ms{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      const auto start = Clock::now();
      auto r = s.sessions->find(token(1));
      const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
      if (!r && r.error() == StoreError::kUnavailable) ++unavailable;
      std::int64_t prev = slowest_ms.load();
      while (prev < ms && !slowest_ms.compare_exchange_weak(prev, ms)) {
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(unavailable, 4);
  EXPECT_GE(slowest_ms.load(), kBoundMs - 50);  // it did wait for an answer
  EXPECT_LE(slowest_ms.load(), kBoundMs * 3);
  const auto start = Clock::now();
  EXPECT_FALSE(s.ready());
  EXPECT_LE(Clock::now() - start, milliseconds(kBoundMs * 2));

  ASSERT_TRUE(redis_.thaw());
  auto found = s.sessions->find(token(1));  // the data was never lost
  ASSERT_TRUE(found);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_TRUE(s.ready());
}

TEST_F(RedisOutage, AuthenticatesAndSelectsTheDatabaseTheUrlNames) {
  testing::RespClient raw(redis_.url());
  ASSERT_EQ(raw.command({"CONFIG", "SET", "requirepass", "s3cret pass"}), "+OK");
  ASSERT_EQ(raw.command({"AUTH", "s3cret pass"}), "+OK");
  const std::string address = redis_.url().substr(std::string_view("redis://").size());

  // No password, then a wrong one: nothing works, and no report repeats the password.
  for (const std::string& url : {redis_.url(), "redis://:wrong-pw@" + address}) {
    config_.redis_url = url;
    Stores s = open(config_);
    EXPECT_FALSE(s.ready()) << url;
    EXPECT_EQ(s.counters->increment("k", 1000, 60).error(), StoreError::kUnavailable) << url;
  }
  ASSERT_FALSE(errors_.lines().empty());
  for (const auto& line : errors_.lines()) EXPECT_EQ(line.find("wrong-pw"), std::string::npos);

  // The right one (percent-encoded) and database 3: the keys land there, not in 0, and the
  // change feed's own connection authenticates too.
  config_.redis_url = "redis://:s3cret%20pass@" + address + "/3";
  Stores s = open(config_);
  EXPECT_TRUE(s.ready());
  Hints hints;
  auto sub = hints.subscribe(*s.changes);
  EXPECT_EQ(s.counters->increment("k", 1000, 60)->value, 1);
  EXPECT_EQ(raw.command({"EXISTS", "outage:counter:k"}), ":0");
  ASSERT_EQ(raw.command({"SELECT", "3"}), "+OK");
  EXPECT_EQ(raw.command({"EXISTS", "outage:counter:k"}), ":1");
  s.changes->publish(ChangeTopic::kKeys, "");
  EXPECT_TRUE(hints.wait_for(ChangeTopic::kKeys, ""));
}

TEST_F(RedisOutage, SubscriberResubscribesAfterARestartAndKeepsHearing) {
  Stores a = open(config_), b = open(config_);
  Hints on_b;
  auto sub = on_b.subscribe(*b.changes);
  ASSERT_TRUE(on_b.wait_resubscribed(1));
  a.changes->publish(ChangeTopic::kKeys, "before");
  EXPECT_TRUE(on_b.wait_for(ChangeTopic::kKeys, "before"));

  ASSERT_TRUE(redis_.stop());
  ASSERT_TRUE(redis_.restart());
  // Reconnected (its backoff is capped at 2 s) and told the listener it may have missed hints.
  EXPECT_TRUE(on_b.wait_resubscribed(2, 6000ms));
  a.changes->publish(ChangeTopic::kKeys, "after");
  EXPECT_TRUE(on_b.wait_for(ChangeTopic::kKeys, "after"));

  // Unsubscribing stops the thread promptly (it waits on the socket and a wake-up fd), and
  // nothing is delivered after.
  const auto start = Clock::now();
  sub.reset();
  EXPECT_LE(Clock::now() - start, 500ms);
  const std::size_t heard = on_b.heard();
  a.changes->publish(ChangeTopic::kKeys, "gone");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(on_b.heard(), heard);
}

}  // namespace
}  // namespace tessera::store
