// The revocation feed's window (auth/revocation_feed.h), fed by a RevocationService that
// follows a memory store's log: reads after a position, resumes, the window's edges, reloads,
// key changes and wake-ups.
#include "auth/revocation_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "auth/test_util.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000;

using testing::user_of;

std::vector<std::string> jtis(const RevocationFeed::Read& r) {
  std::vector<std::string> out;
  for (const auto& e : r.events) out.push_back(e.jti);
  return out;
}

class RevocationFeedTest : public ::testing::Test {
 protected:
  store::Stores stores_ = testing::memory_stores();
  base::ManualClock clock_{kT0};
  // Two processes on one store: `writer` revokes, `follower` follows the log into the feed.
  RevocationService writer_{stores_.revocations, clock_, RevocationConfig{}};
  RevocationService follower_{stores_.revocations, clock_, RevocationConfig{}};
};

TEST_F(RevocationFeedTest, NothingButASnapshotUntilTheStateIsLoaded) {
  RevocationFeed feed;
  EXPECT_TRUE(feed.read(0, 100).snapshot_needed);
  ASSERT_TRUE(follower_.start().has_value());
  follower_.set_listener(&feed);  // tells it the loaded position at once
  const auto r = feed.read(0, 100);
  EXPECT_FALSE(r.snapshot_needed);
  EXPECT_TRUE(r.events.empty());
}

TEST_F(RevocationFeedTest, EventsAfterAPositionInLogOrder) {
  RevocationFeed feed;
  ASSERT_TRUE(writer_.start().has_value());
  ASSERT_TRUE(follower_.start().has_value());
  follower_.set_listener(&feed);
  ASSERT_TRUE(writer_.deny("a", kT0 + 600).has_value());
  ASSERT_TRUE(writer_.revoke_user(user_of(7)).has_value());
  ASSERT_TRUE(writer_.deny("b", kT0 + 600).has_value());
  ASSERT_TRUE(follower_.poll().has_value());

  const auto all = feed.read(0, 100);
  ASSERT_FALSE(all.snapshot_needed);
  ASSERT_EQ(all.events.size(), 3u);
  EXPECT_EQ(all.events[0].jti, "a");
  EXPECT_EQ(all.events[1].kind, store::RevocationEvent::Kind::kNotBefore);
  EXPECT_EQ(all.events[1].user, user_of(7));
  EXPECT_EQ(all.events[2].jti, "b");
  EXPECT_LT(all.events[0].seq, all.events[1].seq);
  EXPECT_LT(all.events[1].seq, all.events[2].seq);
  EXPECT_EQ(all.events[2].expires_at, kT0 + 600);

  // Resuming after the first: the rest, nothing twice; at most `max` per read.
  EXPECT_EQ(jtis(feed.read(all.events[0].seq, 100)), (std::vector<std::string>{"", "b"}));
  EXPECT_EQ(feed.read(0, 2).events.size(), 2u);
  EXPECT_TRUE(feed.read(all.events[2].seq, 100).events.empty());
  // A position this process has not reached (a snapshot newer than its last poll, or a
  // replaced store).
  const auto ahead = feed.read(all.events[2].seq + 1, 100);
  EXPECT_TRUE(ahead.ahead);
  EXPECT_FALSE(ahead.snapshot_needed);
  EXPECT_TRUE(ahead.events.empty());
  EXPECT_TRUE(feed.read(-1, 100).snapshot_needed);
}

TEST_F(RevocationFeedTest, PositionsOlderThanTheWindowNeedASnapshot) {
  RevocationFeed feed(/*window=*/2);
  ASSERT_TRUE(writer_.start().has_value());
  ASSERT_TRUE(follower_.start().has_value());
  follower_.set_listener(&feed);
  for (const char* j : {"a", "b", "c"}) ASSERT_TRUE(writer_.deny(j, kT0 + 600).has_value());
  ASSERT_TRUE(follower_.poll().has_value());
  EXPECT_TRUE(feed.read(0, 100).snapshot_needed);  // "a" is gone from the window
  const auto from_a = feed.read(1, 100);           // after "a" (the memory log starts at 1)
  ASSERT_FALSE(from_a.snapshot_needed);
  EXPECT_EQ(jtis(from_a), (std::vector<std::string>{"b", "c"}));
}

TEST_F(RevocationFeedTest, AReloadForgetsTheWindowAndAKeyChangeIsCounted) {
  RevocationFeed feed;
  ASSERT_TRUE(writer_.start().has_value());
  ASSERT_TRUE(follower_.start().has_value());
  follower_.set_listener(&feed);
  ASSERT_TRUE(writer_.deny("a", kT0 + 600).has_value());
  ASSERT_TRUE(follower_.poll().has_value());
  const std::int64_t a = feed.read(0, 1).events.at(0).seq;
  ASSERT_TRUE(writer_.deny("b", kT0 + 600).has_value());
  ASSERT_TRUE(follower_.start().has_value());  // a reload: "b" is in the state, not an event
  EXPECT_TRUE(feed.read(0, 100).snapshot_needed);
  EXPECT_TRUE(feed.read(a, 100).snapshot_needed);
  const auto after_reload = feed.read(a + 1, 100);
  EXPECT_FALSE(after_reload.snapshot_needed);
  EXPECT_TRUE(after_reload.events.empty());

  const std::uint64_t keys = feed.read(a + 1, 1).keys_generation;
  feed.keys_changed();
  EXPECT_EQ(feed.read(a + 1, 1).keys_generation, keys + 1);
}

TEST_F(RevocationFeedTest, EveryChangeWakesEverySubscriberUntilItLeaves) {
  RevocationFeed feed;
  std::atomic<int> woken_a{0}, woken_b{0};
  auto a = feed.subscribe([&] { ++woken_a; });
  auto b = feed.subscribe([&] { ++woken_b; });
  ASSERT_TRUE(writer_.start().has_value());
  ASSERT_TRUE(follower_.start().has_value());
  follower_.set_listener(&feed);  // a reload: one wake
  EXPECT_EQ(woken_a.load(), 1);
  ASSERT_TRUE(writer_.deny("a", kT0 + 600).has_value());
  ASSERT_TRUE(follower_.poll().has_value());  // events: one wake
  EXPECT_EQ(woken_a.load(), 2);
  ASSERT_TRUE(follower_.poll().has_value());  // nothing new: no wake
  EXPECT_EQ(woken_a.load(), 2);
  b.reset();
  feed.keys_changed();
  EXPECT_EQ(woken_a.load(), 3);
  EXPECT_EQ(woken_b.load(), 2);
}

}  // namespace
}  // namespace tessera::auth
