// The race every refresh store must win: many callers present one refresh token at once, and
// exactly one rotates it. Run by threads on one Stores (conformance_test.cc), threads on
// separate connections (postgres_test.cc) and processes (sqlite_test.cc, postgres_test.cc,
// through store_peer.cc).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "peer_process.h"
#include "store/refresh_store.h"
#include "store_test_util.h"

namespace tessera::store::testing {

// Round `round` between threads: creates family round + 1 (at generation 1) through `setup`,
// then `threads` callers, caller t through `refresh_of(t)`, present generation 1 at once.
// Expects exactly one kRotated and every other kAlreadyUsed, and the family left at generation
// 2: one step, whoever won.
inline void race_rotations(RefreshStore& setup, const std::function<RefreshStore&(int)>& refresh_of,
                           int threads, int round) {
  ASSERT_TRUE(setup.create(make_family(1, round + 1, 1000)));
  std::atomic<int> rotated{0}, already_used{0}, other{0}, ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&, t] {
      ++ready;
      while (!go.load()) std::this_thread::yield();
      auto r = refresh_of(t).rotate(family_id(round + 1), 1, 2000);
      if (!r) {
        ++other;
      } else if (r->outcome == RotateOutcome::kRotated && r->family.generation == 2) {
        ++rotated;
      } else if (r->outcome == RotateOutcome::kAlreadyUsed && r->family.generation == 2) {
        ++already_used;
      } else {
        ++other;
      }
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  go = true;
  for (auto& c : callers) c.join();
  EXPECT_EQ(rotated, 1) << "round " << round;
  EXPECT_EQ(already_used, threads - 1) << "round " << round;
  EXPECT_EQ(other, 0) << "round " << round;
  auto after = setup.find(family_id(round + 1));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->generation, 2) << "round " << round;
  EXPECT_EQ(after->last_used_at, 2000) << "round " << round;
}

// The same between processes: `peers` store_peer processes on `db` (its first argument) rotate
// generation 1 of family round + 1 for each of `rounds` rounds, all starting together. Creates
// the families through `refresh` first. Expects one kRotated per round across the peers, every
// other kAlreadyUsed, and each family left at generation 2.
inline void race_rotations_between_processes(RefreshStore& refresh, const std::string& db,
                                             int peers, int rounds) {
  for (int round = 0; round < rounds; ++round) {
    ASSERT_TRUE(refresh.create(make_family(1, round + 1, 1000)));
  }
  // One kRotated per round, all the others kAlreadyUsed.
  EXPECT_EQ(wins_between_processes(db, "rotate", peers, rounds), rounds);
  for (int round = 0; round < rounds; ++round) {
    auto after = refresh.find(family_id(round + 1));
    ASSERT_TRUE(after);
    EXPECT_EQ(after->generation, 2) << "round " << round;
  }
}

}  // namespace tessera::store::testing
