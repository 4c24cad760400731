#include "verifier/hash_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "auth/sessions.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

using SessionCache = verifier::HashCache<CurrentSession>;

constexpr std::int64_t kT0 = 1'700'000'000;

store::TokenHash hash_of(int i) {
  const auto d = crypto::sha256(std::to_string(i));
  store::TokenHash h{};
  std::copy(d.begin(), d.end(), h.begin());
  return h;
}

std::shared_ptr<const CurrentSession> entry_for(std::uint8_t user_byte, int session) {
  auto e = std::make_shared<CurrentSession>();
  e->user.id[0] = user_byte;
  e->session.id_hash = hash_of(session);
  e->public_id = std::to_string(session);
  return e;
}

TEST(HashCache, ServesAnEntryOnlyWithItsTag) {
  SessionCache cache(100);
  cache.put(hash_of(1), entry_for(1, 1), kT0, cache.generation());
  ASSERT_NE(cache.get(hash_of(1), kT0), nullptr);
  EXPECT_EQ(cache.get(hash_of(1), kT0)->public_id, "1");
  EXPECT_EQ(cache.get(hash_of(1), kT0 + 1), nullptr);
  EXPECT_EQ(cache.get(hash_of(1), kT0 - 1), nullptr);
  EXPECT_EQ(cache.get(hash_of(2), kT0), nullptr);
}

TEST(HashCache, ALookupThatRacedAnEraseIsNotCached) {
  SessionCache cache(100);
  const std::uint64_t before_read = cache.generation();
  cache.erase(hash_of(1));  // a revocation lands while the store read is in flight
  cache.put(hash_of(1), entry_for(1, 1), kT0, before_read);
  EXPECT_EQ(cache.get(hash_of(1), kT0), nullptr);

  const std::uint64_t again = cache.generation();
  cache.erase_if([](const CurrentSession&) { return false; });
  cache.put(hash_of(1), entry_for(1, 1), kT0, again);
  EXPECT_EQ(cache.get(hash_of(1), kT0), nullptr);

  cache.put(hash_of(1), entry_for(1, 1), kT0, cache.generation());
  EXPECT_NE(cache.get(hash_of(1), kT0), nullptr);
}

TEST(HashCache, EraseIfDropsOnlyMatchingEntries) {
  SessionCache cache(100);
  for (int i = 0; i < 20; ++i) {
    cache.put(hash_of(i), entry_for(i % 2 == 0 ? 1 : 2, i), kT0, cache.generation());
  }
  store::UserId one{};
  one[0] = 1;
  cache.erase_if([&](const CurrentSession& c) { return c.user.id == one; });
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(cache.get(hash_of(i), kT0) == nullptr, i % 2 == 0) << i;
  }
  cache.erase(hash_of(1));
  EXPECT_EQ(cache.get(hash_of(1), kT0), nullptr);
  EXPECT_NE(cache.get(hash_of(3), kT0), nullptr);
}

TEST(HashCache, StaysWithinItsCapacity) {
  SessionCache cache(64);
  for (int i = 0; i < 10'000; ++i) cache.put(hash_of(i), entry_for(1, i), kT0, cache.generation());
  int present = 0;
  for (int i = 0; i < 10'000; ++i) present += cache.get(hash_of(i), kT0) != nullptr ? 1 : 0;
  EXPECT_LE(present, 64);
  EXPECT_GT(present, 0);
  EXPECT_NE(cache.get(hash_of(9'999), kT0), nullptr);  // the newest insertion is kept
}

TEST(HashCache, CapacityZeroCachesNothing) {
  SessionCache cache(0);
  cache.put(hash_of(1), entry_for(1, 1), kT0, cache.generation());
  EXPECT_EQ(cache.get(hash_of(1), kT0), nullptr);
}

TEST(HashCache, ConcurrentUseIsSafe) {
  // Run under the sanitizer build: readers, writers and erasers on the same keys.
  SessionCache cache(256);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5'000; ++i) {
        const int k = (i * 7 + t) % 300;
        switch ((i + t) % 4) {
          case 0:
            cache.put(hash_of(k), entry_for(static_cast<std::uint8_t>(k % 3), k), kT0,
                      cache.generation());
            break;
          case 1:
            if (auto e = cache.get(hash_of(k), kT0)) {
              ASSERT_EQ(e->public_id, std::to_string(k));
            }
            break;
          case 2:
            cache.erase(hash_of(k));
            break;
          default:
            if (i % 100 == 3) {
              cache.erase_if([](const CurrentSession& c) { return c.user.id[0] == 0; });
            }
            break;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace
}  // namespace tessera::auth
