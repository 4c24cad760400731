#include "auth/revocation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/test_util.h"
#include "verifier/bloom.h"

namespace tessera::auth {
namespace {
using verifier::BloomFilter;
using verifier::siphash64;

constexpr std::int64_t kT0 = 1'700'000'000;

using testing::user_of;

// Users beyond 256 (the concurrency test).
store::UserId user_n(int i) {
  store::UserId u{};
  u.fill(0xa5);
  u[0] = static_cast<unsigned char>(i & 0xff);
  u[1] = static_cast<unsigned char>((i >> 8) & 0xff);
  return u;
}

TEST(SipHash, KnownAnswers) {
  // SipHash-2-4, the reference vectors (key 00 01 .. 0f, message 00 01 .. of each length), so
  // the shared code path is the published function.
  std::string msg;
  for (int i = 0; i < 64; ++i) msg.push_back(static_cast<char>(i));
  const std::uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
  const std::string_view m(msg);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 0))), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 1))), 0x74f839c593dc67fdULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 7))), 0xab0200f58b01d137ULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 8))), 0x93f5f5799a932462ULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 9))), 0x9e0082df0ba9e4b0ULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 12))), 0x751e8fbc860ee5fbULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 15))), 0xa129ca6149be45e5ULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 30))), 0xad87a3535c49ef28ULL);
  EXPECT_EQ((siphash64<2, 4>(k0, k1, m.substr(0, 63))), 0x958a324ceb064572ULL);
  // SipHash-1-3 (the Bloom filter's): CPython's bytes hash under PYTHONHASHSEED=0 (zero key).
  EXPECT_EQ((siphash64<1, 3>(0, 0, "siphash")), 0x8264ceeccb16bcbeULL);
}

TEST(BloomFilter, NeverForgetsWhatWasAdded) {
  BloomFilter f(1'000, 0.01);
  for (int i = 0; i < 2'000; ++i) f.add("jti-" + std::to_string(i));  // even past its size
  for (int i = 0; i < 2'000; ++i) EXPECT_TRUE(f.might_contain("jti-" + std::to_string(i))) << i;
  EXPECT_EQ(f.added(), 2'000u);
}

TEST(BloomFilter, FalsePositiveRateMatchesItsSizing) {
  // Filled to the expected count, the measured false-positive rate over 200k strings never
  // added must be close to the configured one (binomial noise at this sample: ~±0.0002).
  for (double p : {0.01, 0.001}) {
    const std::size_t n = 50'000;
    BloomFilter f(n, p);
    for (std::size_t i = 0; i < n; ++i) f.add("added-" + std::to_string(i));
    std::size_t hits = 0;
    const std::size_t trials = 200'000;
    for (std::size_t i = 0; i < trials; ++i) {
      hits += f.might_contain("never-" + std::to_string(i)) ? 1 : 0;
    }
    const double measured = static_cast<double>(hits) / trials;
    RecordProperty("fp_rate_" + std::to_string(p), std::to_string(measured));
    std::printf("bloom n=%zu p=%.4f: %zu bits, %u probes, measured false-positive rate %.5f\n", n,
                p, f.bits(), f.probes(), measured);
    EXPECT_LT(measured, p * 1.5) << p;
    EXPECT_GT(measured, p * 0.5) << p;  // sized no larger than needed
  }
}

TEST(BloomFilter, SizingFollowsTheFormula) {
  BloomFilter f(100'000, 0.001);
  // m = -n ln p / ln2^2 = 1,437,759 bits; k = m/n ln 2 = 10.
  EXPECT_NEAR(static_cast<double>(f.bits()), 1'437'759.0, 64.0);
  EXPECT_EQ(f.probes(), 10u);
}

// Counts is_denied calls, to prove the filter keeps non-revoked tokens off the store; can fail.
class CountingRevocations final : public store::RevocationStore {
 public:
  explicit CountingRevocations(std::shared_ptr<store::RevocationStore> inner)
      : inner_(std::move(inner)) {}
  std::atomic<int> lookups{0};
  std::atomic<bool> down{false};
  // When set: the store's state began again at this instant (a cache that lost its data, as
  // the Redis store reports it): snapshots say so, and events_after() sends a follower that
  // has not taken a snapshot since to take one.
  std::atomic<std::int64_t> began_again_ms{0};

  std::expected<void, store::StoreError> deny(std::string_view jti, std::int64_t exp,
                                              std::int64_t now) override {
    if (down) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->deny(jti, exp, now);
  }
  std::expected<bool, store::StoreError> is_denied(std::string_view jti,
                                                   std::int64_t now) override {
    ++lookups;
    if (down) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->is_denied(jti, now);
  }
  std::expected<void, store::StoreError> set_not_before(const store::UserId& u,
                                                        std::int64_t ms) override {
    if (down) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->set_not_before(u, ms);
  }
  std::expected<std::int64_t, store::StoreError> not_before(const store::UserId& u) override {
    return inner_->not_before(u);
  }
  std::expected<store::RevocationSnapshot, store::StoreError> snapshot(std::int64_t now) override {
    if (down) return std::unexpected(store::StoreError::kUnavailable);
    auto snap = inner_->snapshot(now);
    if (snap) snap->complete_since_ms = seen_ = began_again_ms.load();
    return snap;
  }
  std::expected<std::vector<store::RevocationEvent>, store::StoreError> events_after(
      std::int64_t after, std::size_t limit) override {
    if (down) return std::unexpected(store::StoreError::kUnavailable);
    if (seen_ != began_again_ms) return std::unexpected(store::StoreError::kNotFound);
    return inner_->events_after(after, limit);
  }
  std::expected<std::size_t, store::StoreError> purge(std::int64_t now,
                                                      std::int64_t before) override {
    return inner_->purge(now, before);
  }

 private:
  std::shared_ptr<store::RevocationStore> inner_;
  std::atomic<std::int64_t> seen_{0};  // began_again_ms as of the last snapshot
};

class RevocationTest : public ::testing::Test {
 protected:
  RevocationTest() {
    counting_ = std::make_shared<CountingRevocations>(stores_.revocations);
    service_ = make();
  }
  std::unique_ptr<RevocationService> make(RevocationConfig config = {}) {
    return std::make_unique<RevocationService>(counting_, clock_, config);
  }
  bool revoked(RevocationService& s, unsigned char user, std::string_view jti,
               std::int64_t issued_ms) {
    auto r = s.is_revoked(user_of(user), jti, issued_ms, clock_.now_ms());
    EXPECT_TRUE(r.has_value());
    return r.value_or(false);
  }

  store::Stores stores_ = testing::memory_stores();
  base::ManualClock clock_{kT0};
  std::shared_ptr<CountingRevocations> counting_;
  std::unique_ptr<RevocationService> service_;
};

TEST_F(RevocationTest, FailsClosedUntilStarted) {
  auto r = service_->is_revoked(user_of(1), "j", clock_.now_ms(), clock_.now_ms());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  ASSERT_TRUE(service_->start().has_value());
  EXPECT_FALSE(revoked(*service_, 1, "j", clock_.now_ms()));
}

TEST_F(RevocationTest, DeniedJtiIsRevokedAndOthersCostNoStoreLookup) {
  ASSERT_TRUE(service_->start().has_value());
  ASSERT_TRUE(service_->deny("revoked-jti", kT0 + 900).has_value());
  EXPECT_TRUE(revoked(*service_, 1, "revoked-jti", clock_.now_ms()));
  const int before = counting_->lookups;
  for (int i = 0; i < 1'000; ++i) {
    ASSERT_FALSE(revoked(*service_, 1, "live-" + std::to_string(i), clock_.now_ms()));
  }
  // The filter is sized for 100k entries at 0.1%: about 1 of 1,000 may reach the store.
  EXPECT_LE(counting_->lookups - before, 10);
}

// For threads that must not wait on a network: the same answers without a store call, except
// a filter hit, which only the store can settle (nullopt).
TEST_F(RevocationTest, LocallyAnswersWithoutTheStoreOrDefersAFilterHit) {
  ASSERT_TRUE(service_->start().has_value());
  ASSERT_TRUE(service_->deny("revoked-jti", kT0 + 900).has_value());
  const std::int64_t issued = clock_.now_ms();
  clock_.advance_ms(5);
  ASSERT_TRUE(service_->revoke_user(user_of(2)).has_value());
  const int before = counting_->lookups;
  const std::int64_t now = clock_.now_ms();
  auto hit =
      service_->is_revoked_locally(service_->identify(user_of(1), issued, "revoked-jti", ""), now);
  EXPECT_FALSE(hit.has_value());  // only the store can tell
  auto live =
      service_->is_revoked_locally(service_->identify(user_of(1), issued, "live-jti", ""), now);
  ASSERT_TRUE(live.has_value() && live->has_value());
  EXPECT_FALSE(**live);
  auto not_before =
      service_->is_revoked_locally(service_->identify(user_of(2), issued, "x", ""), now);
  ASSERT_TRUE(not_before.has_value() && not_before->has_value());
  EXPECT_TRUE(**not_before);
  EXPECT_EQ(counting_->lookups, before);
  clock_.advance_ms(10'000);  // stale: fails closed without the store too
  auto stale = service_->is_revoked_locally(service_->identify(user_of(1), issued, "live-jti", ""),
                                            clock_.now_ms());
  ASSERT_TRUE(stale.has_value());
  ASSERT_FALSE(stale->has_value());
  EXPECT_EQ(stale->error().code, Errc::kUnavailable);
}

TEST_F(RevocationTest, DenialEndsWhenTheTokenWouldHaveExpired) {
  ASSERT_TRUE(service_->start().has_value());
  ASSERT_TRUE(service_->deny("j", kT0 + 10).has_value());
  clock_.advance(10);  // the entry lasts through its expiry second
  ASSERT_TRUE(service_->poll().has_value());
  EXPECT_TRUE(revoked(*service_, 1, "j", clock_.now_ms()));
  clock_.advance(1);
  ASSERT_TRUE(service_->poll().has_value());
  EXPECT_FALSE(revoked(*service_, 1, "j", clock_.now_ms()));
}

TEST_F(RevocationTest, NotBeforeRejectsEarlierTokensToTheMillisecond) {
  ASSERT_TRUE(service_->start().has_value());
  const std::int64_t issued_before = clock_.now_ms();
  clock_.advance_ms(400);
  auto nb = service_->revoke_user(user_of(7));
  ASSERT_TRUE(nb.has_value());
  EXPECT_EQ(*nb, kT0 * 1000 + 400);
  EXPECT_TRUE(revoked(*service_, 7, "a", issued_before));
  EXPECT_TRUE(revoked(*service_, 7, "b", *nb));       // issued in the same millisecond: revoked
  EXPECT_FALSE(revoked(*service_, 7, "c", *nb + 1));  // a new login after it
  EXPECT_FALSE(revoked(*service_, 8, "d", issued_before));  // other users unaffected
}

TEST_F(RevocationTest, AnotherProcessRevocationsArriveByPolling) {
  ASSERT_TRUE(service_->start().has_value());
  auto other = make();  // e.g. `tessera user revoke` while the server runs
  ASSERT_TRUE(other->start().has_value());
  const std::int64_t issued = clock_.now_ms();
  clock_.advance_ms(5);
  ASSERT_TRUE(other->deny("jti-x", kT0 + 900).has_value());
  ASSERT_TRUE(other->revoke_user(user_of(3)).has_value());
  EXPECT_FALSE(revoked(*service_, 3, "jti-y", issued));  // not yet seen
  ASSERT_TRUE(service_->poll().has_value());
  EXPECT_TRUE(revoked(*service_, 1, "jti-x", issued));
  EXPECT_TRUE(revoked(*service_, 3, "jti-y", issued));
}

TEST_F(RevocationTest, StaleStateFailsClosedAndRecovers) {
  RevocationConfig config;
  config.max_staleness_ms = 2'000;
  service_ = make(config);
  ASSERT_TRUE(service_->start().has_value());
  counting_->down = true;
  clock_.advance_ms(1'000);
  EXPECT_FALSE(service_->poll().has_value());
  EXPECT_FALSE(revoked(*service_, 1, "j", clock_.now_ms()));  // still within the bound
  clock_.advance_ms(1'500);
  auto r = service_->is_revoked(user_of(1), "j", clock_.now_ms(), clock_.now_ms());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  counting_->down = false;
  ASSERT_TRUE(service_->poll().has_value());
  EXPECT_FALSE(revoked(*service_, 1, "j", clock_.now_ms()));
}

TEST_F(RevocationTest, FilterHitWithTheStoreDownFailsClosed) {
  ASSERT_TRUE(service_->start().has_value());
  ASSERT_TRUE(service_->deny("j", kT0 + 900).has_value());
  counting_->down = true;
  auto r = service_->is_revoked(user_of(1), "j", clock_.now_ms(), clock_.now_ms());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  // A failed write claims nothing.
  EXPECT_EQ(service_->deny("k", kT0 + 900).error().code, Errc::kUnavailable);
  EXPECT_EQ(service_->revoke_user(user_of(1)).error().code, Errc::kUnavailable);
}

TEST_F(RevocationTest, FallingBehindTheLogTakesAFreshSnapshot) {
  ASSERT_TRUE(service_->start().has_value());
  auto other = make();
  ASSERT_TRUE(other->start().has_value());
  ASSERT_TRUE(other->deny("old", kT0 + 100'000).has_value());
  clock_.advance(2 * 3600);
  ASSERT_TRUE(other->deny("new", kT0 + 100'000).has_value());
  ASSERT_TRUE(other->purge().has_value());  // drops the log event of "old" (older than 1 h)
  ASSERT_TRUE(service_->poll().has_value());
  EXPECT_TRUE(revoked(*service_, 1, "old", clock_.now_ms()));
  EXPECT_TRUE(revoked(*service_, 1, "new", clock_.now_ms()));
}

// A store whose state began again - a Redis that restarted without its data - cannot say what
// was revoked before: every token issued up to that instant counts as revoked (clients
// refresh), later ones do not, and tokens minted now are minted after it.
TEST_F(RevocationTest, AStoreStateBegunAgainRevokesEveryEarlierToken) {
  ASSERT_TRUE(service_->start().has_value());
  const std::int64_t before = clock_.now_ms();
  EXPECT_FALSE(revoked(*service_, 1, "j", before));
  clock_.advance_ms(1'000);
  const std::int64_t began = counting_->began_again_ms = clock_.now_ms();
  clock_.advance_ms(10);
  ASSERT_TRUE(service_->poll().has_value());  // the log says: take a new snapshot
  EXPECT_TRUE(revoked(*service_, 1, "j", before));
  EXPECT_TRUE(revoked(*service_, 2, "k", began));  // in that very millisecond: revoked
  EXPECT_FALSE(revoked(*service_, 2, "k", began + 1));
  auto prepared = service_->is_revoked(service_->identify(user_of(3), before, "p", "sid"),
                                       clock_.now_ms());  // the hot path too
  ASSERT_TRUE(prepared.has_value());
  EXPECT_TRUE(*prepared);
  EXPECT_EQ(service_->not_before_ms(user_of(4)), began);
  // Followed on as usual afterwards.
  ASSERT_TRUE(service_->revoke_user(user_of(5)).has_value());
  ASSERT_TRUE(service_->poll().has_value());
  EXPECT_TRUE(revoked(*service_, 5, "n", clock_.now_ms()));
  EXPECT_FALSE(revoked(*service_, 6, "n", clock_.now_ms()));
}

TEST_F(RevocationTest, AFullFilterIsRebuiltFromLiveEntries) {
  RevocationConfig config;
  config.bloom_expected = 100;
  service_ = make(config);
  ASSERT_TRUE(service_->start().has_value());
  for (int i = 0; i < 150; ++i) {
    ASSERT_TRUE(service_->deny("j" + std::to_string(i), kT0 + 10).has_value());
  }
  EXPECT_EQ(service_->stats().bloom_entries, 150u);
  clock_.advance(11);  // every entry expired
  ASSERT_TRUE(service_->poll().has_value());
  EXPECT_EQ(service_->stats().bloom_entries, 0u);
  EXPECT_FALSE(revoked(*service_, 1, "j1", clock_.now_ms()));
}

TEST_F(RevocationTest, StalenessIsJudgedAtTheCallersTime) {
  RevocationConfig config;
  config.max_staleness_ms = 2'000;
  service_ = make(config);
  ASSERT_TRUE(service_->start().has_value());
  const std::int64_t synced = clock_.now_ms();
  EXPECT_TRUE(service_->is_revoked(user_of(1), "j", synced, synced + 2'000).has_value());
  auto r = service_->is_revoked(user_of(1), "j", synced, synced + 2'001);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
}

TEST_F(RevocationTest, OneThreadReadingSeveralServicesNeverMixesTheirStates) {
  // Each thread keeps the last state it read, named by a version unique in the process: a
  // thread alternating between services, or reading a new service that took the memory of a
  // destroyed one, must get each service's own state.
  ASSERT_TRUE(service_->start().has_value());
  auto other = make();
  ASSERT_TRUE(other->start().has_value());
  const std::int64_t issued = clock_.now_ms() - 1;
  ASSERT_TRUE(service_->revoke_user(user_of(1)).has_value());
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(revoked(*service_, 1, "j", issued));
    EXPECT_FALSE(revoked(*other, 1, "j", issued));  // has not polled yet
  }
  for (int i = 0; i < 20; ++i) {
    auto revoking = make();
    ASSERT_TRUE(revoking->start().has_value());
    EXPECT_TRUE(revoked(*revoking, 1, "j", issued));
    revoking.reset();
    store::Stores fresh = testing::memory_stores();  // knows of no revocation
    auto clean = std::make_unique<RevocationService>(fresh.revocations, clock_, RevocationConfig{});
    ASSERT_TRUE(clean->start().has_value());
    EXPECT_FALSE(revoked(*clean, 1, "j", issued)) << i;
  }
}

TEST_F(RevocationTest, ConcurrentReadersSeeEveryRevocationThatReturned) {
  // Readers run against writers that publish new states (revoke_user, poll), set Bloom bits
  // (deny) and rebuild the filter (a tiny bloom_expected makes poll() take fresh snapshots).
  // Whatever a reader has cached, a revocation that returned before its call must be seen, and
  // nothing else may be reported revoked.
  RevocationConfig config;
  config.bloom_expected = 16;
  service_ = make(config);
  ASSERT_TRUE(service_->start().has_value());
  auto other = make();  // another process: its revocations arrive through service_->poll()
  ASSERT_TRUE(other->start().has_value());
  const std::int64_t issued = clock_.now_ms() - 1;  // every token here predates every revocation
  constexpr int kSteps = 600;
  std::atomic<int> done{0};  // revocations 0..done-1 have returned (and been polled)
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0}, misses{0}, false_revocations{0};
  std::atomic<long> reads{0};

  auto check = [&](int i) {
    // Step i revoked either user i (even steps) or the jti "j<i>" (odd steps).
    const store::UserId user = user_n(i % 2 == 0 ? i : 60'000);
    const std::string jti = i % 2 == 0 ? "live" : "j" + std::to_string(i);
    auto r = service_->is_revoked(user, jti, issued, clock_.now_ms());
    if (!r) {
      ++errors;
    } else if (!*r) {
      ++misses;
    }
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      unsigned x = 12345u + static_cast<unsigned>(t);
      while (!stop.load(std::memory_order_acquire)) {
        const int d = done.load(std::memory_order_acquire);
        if (d > 0) {
          check(d - 1);  // the newest
          x = x * 1103515245u + 12345u;
          check(static_cast<int>(x >> 8) % d);  // any older
        }
        // Never revoked: a user with no not-before, a jti never denied.
        auto r = service_->is_revoked(user_n(50'000), "live", issued, clock_.now_ms());
        if (!r) {
          ++errors;
        } else if (*r) {
          ++false_revocations;
        }
        ++reads;
      }
    });
  }
  for (int i = 0; i < kSteps; ++i) {
    RevocationService& writer = i % 4 < 2 ? *service_ : *other;
    const bool ok = i % 2 == 0 ? writer.revoke_user(user_n(i)).has_value()
                               : writer.deny("j" + std::to_string(i), kT0 + 900).has_value();
    if (!ok || (&writer == other.get() && !service_->poll().has_value())) {
      ADD_FAILURE() << "write " << i;
      break;
    }
    done.store(i + 1, std::memory_order_release);
  }
  stop.store(true, std::memory_order_release);
  for (auto& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(false_revocations.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_GT(service_->stats().seq, 0);
}

}  // namespace
}  // namespace tessera::auth
