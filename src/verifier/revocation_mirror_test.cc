// verifier/revocation_mirror.h with its own denylist (the library's configuration; the server's,
// which asks its store, is tested through auth/revocation_test.cc).
#include "verifier/revocation_mirror.h"

#include <gtest/gtest.h>

namespace tessera::verifier {
namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'000;

UserKey user(std::uint8_t b) {
  UserKey u{};
  u.fill(b);
  return u;
}

class MirrorTest : public testing::Test {
 protected:
  RevocationMirror mirror_{{.max_staleness_ms = 5'000, .keep_denylist = true}};
};

TEST_F(MirrorTest, IsStaleUntilLoadedAndWhenTheSourceFallsSilent) {
  const TokenIdentity t = mirror_.identify(user(1), kNowMs - 10, "jti-1", "fam");
  EXPECT_EQ(mirror_.check(t, kNowMs).verdict, Verdict::kStale);
  EXPECT_EQ(mirror_.check(t, kNowMs, /*allow_stale=*/true).verdict, Verdict::kStale);
  mirror_.load({.seq = 3}, kNowMs);
  EXPECT_EQ(mirror_.check(t, kNowMs + 5'000).verdict, Verdict::kValid);
  EXPECT_EQ(mirror_.check(t, kNowMs + 5'001).verdict, Verdict::kStale);
  EXPECT_EQ(mirror_.check(t, kNowMs + 5'001, /*allow_stale=*/true).verdict, Verdict::kValid);
  mirror_.mark_synced(kNowMs + 5'000);
  EXPECT_EQ(mirror_.check(t, kNowMs + 5'001).verdict, Verdict::kValid);
}

TEST_F(MirrorTest, ConfirmsFilterHitsFromItsDenylistUntilTheyExpire) {
  mirror_.load({.denied = {{.key = "jti-1", .expires_at = kNowMs / 1000 + 60}}, .seq = 1}, kNowMs);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(1), kNowMs - 10, "jti-1", ""), kNowMs).verdict,
            Verdict::kRevoked);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(1), kNowMs - 10, "jti-2", ""), kNowMs).verdict,
            Verdict::kValid);
  mirror_.mark_synced(kNowMs + 61'000);
  EXPECT_EQ(
      mirror_.check(mirror_.identify(user(1), kNowMs - 10, "jti-1", ""), kNowMs + 61'000).verdict,
      Verdict::kValid);  // the denial ended with the token's exp
  // A whole family, by its key.
  const MirrorChange fam{.kind = MirrorChange::Kind::kDenied,
                         .seq = 2,
                         .key = "sid:fam",
                         .expires_at = kNowMs / 1000 + 60};
  mirror_.apply({&fam, 1}, kNowMs);
  EXPECT_EQ(mirror_.seq(), 2);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(2), kNowMs - 10, "other", "fam"), kNowMs).verdict,
            Verdict::kRevoked);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(2), kNowMs - 10, "other", "fam2"), kNowMs).verdict,
            Verdict::kValid);
}

TEST_F(MirrorTest, NotBeforeRevokesTokensIssuedUpToItsMillisecond) {
  mirror_.load({.seq = 1}, kNowMs);
  const MirrorChange nb{.kind = MirrorChange::Kind::kNotBefore,
                        .seq = 5,
                        .user = user(7),
                        .not_before_ms = kNowMs - 100};
  mirror_.apply({&nb, 1}, kNowMs);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(7), kNowMs - 100, "a", "f"), kNowMs).verdict,
            Verdict::kRevoked);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(7), kNowMs - 99, "b", "f"), kNowMs).verdict,
            Verdict::kValid);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(8), kNowMs - 100, "c", "f"), kNowMs).verdict,
            Verdict::kValid);
  EXPECT_EQ(mirror_.not_before_ms(user(7)), kNowMs - 100);
}

TEST_F(MirrorTest, ASnapshotThatBeganAgainRevokesEverythingIssuedBefore) {
  mirror_.load({.seq = 9, .complete_since_ms = kNowMs - 1'000}, kNowMs);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(1), kNowMs - 1'000, "a", ""), kNowMs).verdict,
            Verdict::kRevoked);
  EXPECT_EQ(mirror_.check(mirror_.identify(user(1), kNowMs - 999, "b", ""), kNowMs).verdict,
            Verdict::kValid);
  EXPECT_EQ(mirror_.not_before_ms(user(1)), kNowMs - 1'000);
}

TEST(Mirror, WithoutItsDenylistAFilterHitIsTheOwnersToConfirm) {
  RevocationMirror m({.keep_denylist = false});
  m.load({.denied = {{.key = "jti-1", .expires_at = kNowMs / 1000 + 60}}, .seq = 1}, kNowMs);
  const Check c = m.check(m.identify(user(1), kNowMs - 10, "jti-1", "fam"), kNowMs);
  EXPECT_EQ(c.verdict, Verdict::kAsk);
  EXPECT_TRUE(c.jti);
  EXPECT_FALSE(c.family);
}

}  // namespace
}  // namespace tessera::verifier
