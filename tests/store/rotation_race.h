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

// Round `round` between threads: creates family round + 1 with token 1000 * (round + 1)
// through `setup`, then `threads` callers, caller t through `refresh_of(t)`, present that token
// at once, each offering successor token + 1 + t sealed as "sealed-<t>". Expects exactly one
// kRotated and every other kAlreadyUsed (with the used record), and the family left with one
// current token: the winner's successor, which the presented token points at.
inline void race_rotations(RefreshStore& setup, const std::function<RefreshStore&(int)>& refresh_of,
                           int threads, int round) {
  const int presented = 1000 * (round + 1);
  ASSERT_TRUE(
      setup.create(make_family(1, round + 1, 1000), make_refresh(presented, round + 1, 1000)));
  std::atomic<int> rotated{0}, already_used{0}, other{0}, ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&, t] {
      ++ready;
      while (!go.load()) std::this_thread::yield();
      auto r =
          refresh_of(t).rotate(token(presented), make_refresh(presented + 1 + t, round + 1, 2000),
                               "sealed-" + std::to_string(t), 2000);
      if (!r) {
        ++other;
      } else if (r->outcome == RotateOutcome::kRotated) {
        ++rotated;
      } else if (r->outcome == RotateOutcome::kAlreadyUsed && r->presented.used_at != 0) {
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

  auto used = setup.find(token(presented));
  ASSERT_TRUE(used);
  EXPECT_NE(used->token.used_at, 0);
  int unused = 0;
  for (int t = 0; t < threads; ++t) {
    auto s = setup.find(token(presented + 1 + t));
    if (!s) {
      EXPECT_EQ(s.error(), StoreError::kNotFound);
      continue;
    }
    EXPECT_EQ(s->token.used_at, 0);
    EXPECT_EQ(s->token.hash, used->token.successor);
    EXPECT_EQ(used->token.successor_sealed, "sealed-" + std::to_string(t));
    ++unused;
  }
  EXPECT_EQ(unused, 1) << "round " << round;
}

// The same between processes: `peers` store_peer processes on `db` (its first argument) rotate
// the race token of each of `rounds` rounds (store_test_util.h), all starting together, each
// offering its own successor. Creates the families through `refresh` first. Expects one
// kRotated per round across the peers, every other kAlreadyUsed, and each family left with one
// current token, the winner's successor.
inline void race_rotations_between_processes(RefreshStore& refresh, const std::string& db,
                                             int peers, int rounds) {
  for (int round = 0; round < rounds; ++round) {
    ASSERT_TRUE(refresh.create(make_family(1, round + 1, 1000),
                               make_refresh(race_presented(round), round + 1, 1000)));
  }
  const auto start = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()) +
                     std::chrono::milliseconds(750);
  std::vector<pid_t> pids;
  for (int peer = 0; peer < peers; ++peer) {
    pids.push_back(spawn_peer({db, "rotate", std::to_string(peer), std::to_string(rounds),
                               std::to_string(start.count())}));
  }
  int rotated = 0;
  for (pid_t pid : pids) {
    const int status = wait_peer(pid);
    EXPECT_GE(status, 0);
    EXPECT_LE(status, rounds) << "a peer failed (100) or crashed";
    if (status >= 0 && status <= rounds) rotated += status;
  }
  EXPECT_EQ(rotated, rounds);  // one kRotated per round, all the others kAlreadyUsed

  for (int round = 0; round < rounds; ++round) {
    auto presented = refresh.find(token(race_presented(round)));
    ASSERT_TRUE(presented);
    EXPECT_NE(presented->token.used_at, 0);
    int current = 0;
    for (int peer = 0; peer < peers; ++peer) {
      auto successor = refresh.find(token(race_successor(peer, round)));
      if (!successor) {
        EXPECT_EQ(successor.error(), StoreError::kNotFound);
        continue;
      }
      ++current;
      EXPECT_EQ(successor->token.used_at, 0);
      EXPECT_EQ(successor->token.family, family_id(round + 1));
      EXPECT_EQ(presented->token.successor, successor->token.hash);
      EXPECT_EQ(presented->token.successor_sealed, "peer-" + std::to_string(peer));
    }
    EXPECT_EQ(current, 1) << "round " << round;
  }
}

}  // namespace tessera::store::testing
