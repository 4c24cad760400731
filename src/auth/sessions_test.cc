#include "auth/sessions.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <set>

#include "auth/test_util.h"
#include "auth/users.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;

// Forwards to a real store and counts the calls (to prove junk ids never reach it), or fails
// every call with kUnavailable when `down`.
class SpySessions final : public store::SessionStore {
 public:
  explicit SpySessions(std::shared_ptr<store::SessionStore> inner) : inner_(std::move(inner)) {}
  std::atomic<int> calls{0};
  std::atomic<int> touches{0};
  std::atomic<bool> down{false};

  std::expected<std::size_t, store::StoreError> create(const store::Session& s,
                                                       std::size_t max) override {
    if (!enter()) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->create(s, max);
  }
  std::expected<store::Session, store::StoreError> find(const store::TokenHash& h) override {
    if (!enter()) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->find(h);
  }
  std::expected<void, store::StoreError> touch(const store::TokenHash& h,
                                               std::int64_t now) override {
    if (!enter()) return std::unexpected(store::StoreError::kUnavailable);
    ++touches;
    return inner_->touch(h, now);
  }
  std::expected<void, store::StoreError> remove(const store::TokenHash& h) override {
    if (!enter()) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->remove(h);
  }
  std::expected<std::size_t, store::StoreError> remove_all(const store::UserId& u,
                                                           const store::TokenHash* keep) override {
    if (!enter()) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->remove_all(u, keep);
  }
  std::expected<std::vector<store::Session>, store::StoreError> list(
      const store::UserId& u) override {
    if (!enter()) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->list(u);
  }
  std::expected<std::size_t, store::StoreError> purge(std::int64_t c, std::int64_t s) override {
    if (!enter()) return std::unexpected(store::StoreError::kUnavailable);
    return inner_->purge(c, s);
  }

 private:
  bool enter() {
    ++calls;
    return !down;
  }
  std::shared_ptr<store::SessionStore> inner_;
};

class SessionsTest : public ::testing::Test {
 protected:
  SessionsTest() {
    spy_ = std::make_shared<SpySessions>(stores_.sessions);
    service_ = std::make_unique<SessionService>(spy_, stores_.users, SessionConfig{});
    alice_ = add_user("alice@example.com");
    bob_ = add_user("bob@example.com");
  }

  store::User add_user(std::string email) {
    store::User u;
    u.id = new_user_id();
    u.email = std::move(email);
    u.password_hash = "$argon2id$v=19$m=8,t=1,p=1$x$y";  // never verified here
    u.created_at = kT0;
    EXPECT_TRUE(stores_.users->create(u).has_value());
    return u;
  }

  NewSession create(const store::User& u, std::int64_t now) {
    auto s = service_->create(u, "198.51.100.1", "Mozilla/5.0 test", now);
    EXPECT_TRUE(s.has_value());
    return std::move(*s);
  }

  Errc auth_error(std::string_view raw, std::int64_t now) {
    auto r = service_->authenticate(raw, now);
    EXPECT_FALSE(r.has_value());
    return r ? Errc::kInternal : r.error().code;
  }

  store::Stores stores_ = testing::memory_stores();
  std::shared_ptr<SpySessions> spy_;
  std::unique_ptr<SessionService> service_;
  store::User alice_;
  store::User bob_;
};

bool is_base64url(std::string_view s) { return base::base64url_decode(s).has_value(); }

TEST_F(SessionsTest, IdsAre256BitBase64urlStoredOnlyAsHashes) {
  const NewSession s = create(alice_, kT0);
  EXPECT_EQ(s.id.size(), kSessionTokenChars);
  EXPECT_EQ(s.csrf_token.size(), kSessionTokenChars);
  EXPECT_TRUE(is_base64url(s.id));
  EXPECT_TRUE(is_base64url(s.csrf_token));
  EXPECT_EQ(base::base64url_decode(s.id)->size(), 32u);
  EXPECT_NE(s.id, s.csrf_token);

  const auto id_hash = crypto::sha256(s.id);
  const auto csrf_hash = crypto::sha256(s.csrf_token);
  auto stored = stores_.sessions->find(s.record.id_hash);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(0, std::memcmp(stored->id_hash.data(), id_hash.data(), 32));
  EXPECT_EQ(0, std::memcmp(stored->csrf_hash.data(), csrf_hash.data(), 32));
  EXPECT_EQ(stored->user_id, alice_.id);
  EXPECT_EQ(stored->created_at, kT0);
  EXPECT_EQ(stored->last_seen_at, kT0);
  EXPECT_EQ(stored->auth_time, kT0);
  EXPECT_EQ(stored->ip, "198.51.100.1");
  EXPECT_EQ(stored->user_agent, "Mozilla/5.0 test");
}

TEST_F(SessionsTest, EveryIdIsFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto s = create(alice_, kT0 + i);
    EXPECT_TRUE(seen.insert(s.id).second);
    EXPECT_TRUE(seen.insert(s.csrf_token).second);
  }
}

TEST_F(SessionsTest, AuthenticatesItsOwnIds) {
  const NewSession s = create(alice_, kT0);
  auto r = service_->authenticate(s.id, kT0 + 1);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->user.id, alice_.id);
  EXPECT_EQ(r->user.email, "alice@example.com");
  EXPECT_EQ(r->public_id, s.public_id);
  EXPECT_EQ(r->session.id_hash, s.record.id_hash);
}

TEST_F(SessionsTest, MalformedIdsNeverReachTheStore) {
  const NewSession s = create(alice_, kT0);
  const int before = spy_->calls;
  std::string non_canonical = s.id;
  // The 43rd character ends in 2 padding bits that must be zero: 'B' (1) sets one.
  non_canonical.back() = 'B';
  for (const std::string& junk :
       {std::string(), std::string("x"), s.id + "A", s.id.substr(1), std::string(43, '!'),
        std::string(43, '='), s.id.substr(0, 42) + "+", s.id.substr(0, 42) + "/",
        std::string("A", 1) + std::string(42, '\0'), non_canonical}) {
    EXPECT_EQ(auth_error(junk, kT0), Errc::kUnauthenticated) << junk;
  }
  EXPECT_EQ(spy_->calls, before);
}

TEST_F(SessionsTest, UnknownWellFormedIdIsUnauthenticated) {
  const std::string planted = base::base64url_encode(crypto::random_bytes(32));
  EXPECT_EQ(auth_error(planted, kT0), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, IdleTimeoutToTheSecond) {
  const std::int64_t idle = SessionConfig{}.idle_timeout;
  EXPECT_EQ(idle, 2 * 3600);
  const NewSession a = create(alice_, kT0);
  const NewSession b = create(alice_, kT0);
  EXPECT_TRUE(service_->authenticate(a.id, kT0 + idle - 1).has_value());
  EXPECT_EQ(auth_error(b.id, kT0 + idle), Errc::kUnauthenticated);
  // The expired record is deleted, not just refused.
  EXPECT_FALSE(stores_.sessions->find(b.record.id_hash).has_value());
}

TEST_F(SessionsTest, ActivitySlidesTheIdleTimeoutButNotTheAbsoluteLifetime) {
  const SessionConfig c;
  EXPECT_EQ(c.absolute_lifetime, 24 * 3600);
  const NewSession s = create(alice_, kT0);
  std::int64_t t = kT0;
  while (t + 3600 < kT0 + c.absolute_lifetime) {
    t += 3600;  // within the idle timeout each time
    ASSERT_TRUE(service_->authenticate(s.id, t).has_value()) << t - kT0;
  }
  EXPECT_TRUE(service_->authenticate(s.id, kT0 + c.absolute_lifetime - 1).has_value());
  EXPECT_EQ(auth_error(s.id, kT0 + c.absolute_lifetime), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, TouchesAtMostOncePerInterval) {
  const NewSession s = create(alice_, kT0);
  const int before = spy_->touches;
  for (int i = 1; i < 60; ++i) ASSERT_TRUE(service_->authenticate(s.id, kT0 + i).has_value());
  EXPECT_EQ(spy_->touches, before);
  EXPECT_EQ(stores_.sessions->find(s.record.id_hash)->last_seen_at, kT0);
  auto r = service_->authenticate(s.id, kT0 + 60);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->session.last_seen_at, kT0 + 60);
  EXPECT_EQ(spy_->touches, before + 1);
  EXPECT_EQ(stores_.sessions->find(s.record.id_hash)->last_seen_at, kT0 + 60);
}

TEST_F(SessionsTest, EvictsTheOldestBeyondMaxPerUser) {
  service_ =
      std::make_unique<SessionService>(spy_, stores_.users, SessionConfig{.max_per_user = 3});
  const NewSession s1 = create(alice_, kT0 + 1);
  const NewSession s2 = create(alice_, kT0 + 2);
  const NewSession s3 = create(alice_, kT0 + 3);
  const NewSession other = create(bob_, kT0 + 3);
  EXPECT_EQ(s3.evicted, 0u);
  const NewSession s4 = create(alice_, kT0 + 4);
  EXPECT_EQ(s4.evicted, 1u);
  EXPECT_EQ(auth_error(s1.id, kT0 + 5), Errc::kUnauthenticated);
  for (const auto* s : {&s2, &s3, &s4, &other}) {
    EXPECT_TRUE(service_->authenticate(s->id, kT0 + 5).has_value());
  }
  EXPECT_EQ(SessionConfig{}.max_per_user, 10u);
}

TEST_F(SessionsTest, CsrfTokenMatchesOnlyItsSession) {
  const NewSession a = create(alice_, kT0);
  const NewSession b = create(alice_, kT0);
  EXPECT_TRUE(SessionService::csrf_matches(a.record, a.csrf_token));
  EXPECT_FALSE(SessionService::csrf_matches(a.record, b.csrf_token));  // other session's
  EXPECT_FALSE(SessionService::csrf_matches(a.record, a.id));          // the session id
  EXPECT_FALSE(SessionService::csrf_matches(a.record, ""));
  EXPECT_FALSE(SessionService::csrf_matches(a.record, a.csrf_token.substr(1)));
  EXPECT_FALSE(SessionService::csrf_matches(a.record, a.csrf_token + "A"));
  std::string flipped = a.csrf_token;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(SessionService::csrf_matches(a.record, flipped));
  // It also holds for the record as authenticate returns it.
  auto cur = service_->authenticate(a.id, kT0 + 1);
  ASSERT_TRUE(cur.has_value());
  EXPECT_TRUE(SessionService::csrf_matches(cur->session, a.csrf_token));
}

TEST_F(SessionsTest, RevokeEndsTheSession) {
  const NewSession s = create(alice_, kT0);
  auto r = service_->revoke(s.id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->user_id, alice_.id);
  EXPECT_EQ(auth_error(s.id, kT0 + 1), Errc::kUnauthenticated);
  EXPECT_EQ(service_->revoke(s.id).error().code, Errc::kUnauthenticated);
  EXPECT_EQ(service_->revoke("junk").error().code, Errc::kUnauthenticated);
}

TEST_F(SessionsTest, RevokeByPublicIdOnlyForTheOwner) {
  const NewSession a = create(alice_, kT0);
  const NewSession b = create(bob_, kT0);
  EXPECT_EQ(service_->revoke_public(alice_.id, b.public_id).error().code, Errc::kNotFound);
  EXPECT_TRUE(service_->authenticate(b.id, kT0 + 1).has_value());
  EXPECT_EQ(service_->revoke_public(alice_.id, "nope").error().code, Errc::kNotFound);
  EXPECT_TRUE(service_->revoke_public(alice_.id, a.public_id).has_value());
  EXPECT_EQ(auth_error(a.id, kT0 + 1), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, PublicIdsRevealNeitherIdNorHash) {
  const NewSession s = create(alice_, kT0);
  EXPECT_EQ(s.public_id.size(), 22u);
  EXPECT_EQ(s.public_id, SessionService::public_id(s.record.id_hash));
  EXPECT_EQ(s.id.find(s.public_id), std::string::npos);
  const std::string hash_b64 = base::base64url_encode(std::string_view(
      reinterpret_cast<const char*>(s.record.id_hash.data()), s.record.id_hash.size()));
  EXPECT_EQ(hash_b64.find(s.public_id), std::string::npos);
}

TEST_F(SessionsTest, RevokeAllKeepsOnlyTheOneAskedFor) {
  const NewSession a1 = create(alice_, kT0);
  const NewSession a2 = create(alice_, kT0 + 1);
  const NewSession a3 = create(alice_, kT0 + 2);
  const NewSession b = create(bob_, kT0);
  auto n = service_->revoke_all(alice_.id, &a2.record.id_hash);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(auth_error(a1.id, kT0 + 3), Errc::kUnauthenticated);
  EXPECT_EQ(auth_error(a3.id, kT0 + 3), Errc::kUnauthenticated);
  EXPECT_TRUE(service_->authenticate(a2.id, kT0 + 3).has_value());
  EXPECT_TRUE(service_->authenticate(b.id, kT0 + 3).has_value());
  EXPECT_EQ(*service_->revoke_all(alice_.id), 1u);
  EXPECT_EQ(auth_error(a2.id, kT0 + 3), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, ListShowsLiveSessionsNewestFirstAndMarksTheCurrentOne) {
  const NewSession old = create(alice_, kT0);
  const NewSession mid = create(alice_, kT0 + 100);
  const NewSession now = create(alice_, kT0 + 200);
  (void)create(bob_, kT0);
  const std::int64_t idle = SessionConfig{}.idle_timeout;
  // Keep mid and now alive; let old go idle.
  ASSERT_TRUE(service_->authenticate(mid.id, kT0 + idle - 10).has_value());
  ASSERT_TRUE(service_->authenticate(now.id, kT0 + idle - 10).has_value());
  auto l = service_->list(alice_.id, kT0 + idle, &now.record.id_hash);
  ASSERT_TRUE(l.has_value());
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[0].id, now.public_id);
  EXPECT_TRUE((*l)[0].current);
  EXPECT_EQ((*l)[0].created_at, kT0 + 200);
  EXPECT_EQ((*l)[0].last_seen_at, kT0 + idle - 10);
  EXPECT_EQ((*l)[0].ip, "198.51.100.1");
  EXPECT_EQ((*l)[0].user_agent, "Mozilla/5.0 test");
  EXPECT_EQ((*l)[1].id, mid.public_id);
  EXPECT_FALSE((*l)[1].current);
  (void)old;
}

TEST_F(SessionsTest, RotateIssuesANewIdForTheSameSession) {
  const NewSession s = create(alice_, kT0);
  auto cur = service_->authenticate(s.id, kT0 + 100);
  ASSERT_TRUE(cur.has_value());
  auto r = service_->rotate(
      cur->session, kT0 + 200,
      Authentication{.time = kT0 + 200,
                     .methods = Amr::of(AuthMethodRef::kPwd).with(AuthMethodRef::kOtp)});
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->id, s.id);
  EXPECT_NE(r->csrf_token, s.csrf_token);
  EXPECT_NE(r->public_id, s.public_id);
  EXPECT_EQ(auth_error(s.id, kT0 + 201), Errc::kUnauthenticated);
  auto next = service_->authenticate(r->id, kT0 + 201);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->user.id, alice_.id);
  EXPECT_EQ(next->session.created_at, kT0);  // the absolute lifetime does not restart
  EXPECT_EQ(next->session.auth_time, kT0 + 200);
  EXPECT_EQ(next->session.amr, "pwd otp");  // the methods just presented
  EXPECT_EQ(cur->session.amr, "pwd");       // a login with a password alone
  EXPECT_FALSE(SessionService::csrf_matches(next->session, s.csrf_token));
  EXPECT_TRUE(SessionService::csrf_matches(next->session, r->csrf_token));
  // Rotating a session that is already gone does not bring it back.
  EXPECT_EQ(service_->rotate(cur->session, kT0 + 300).error().code, Errc::kUnauthenticated);
}

TEST_F(SessionsTest, DisabledOrVanishedUsersLoseTheirSessions) {
  const NewSession s = create(alice_, kT0);
  ASSERT_TRUE(stores_.users->set_disabled(alice_.id, true).has_value());
  EXPECT_EQ(auth_error(s.id, kT0 + 1), Errc::kUnauthenticated);
  EXPECT_FALSE(stores_.sessions->find(s.record.id_hash).has_value());

  store::User ghost;
  ghost.id = new_user_id();  // never stored
  auto g = service_->create(ghost, "198.51.100.1", "ua", kT0);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(auth_error(g->id, kT0 + 1), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, UserAgentIsCutAndCleaned) {
  auto s = service_->create(alice_, "198.51.100.1", std::string(2000, 'x') + "\r\n", kT0);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->record.user_agent.size(), 512u);
  auto t = service_->create(alice_, "198.51.100.1", "a\nb", kT0);
  EXPECT_EQ(t->record.user_agent, "a?b");
}

TEST_F(SessionsTest, PurgeDropsExactlyTheExpired) {
  const std::int64_t idle = SessionConfig{}.idle_timeout;
  const NewSession a = create(alice_, kT0);
  const NewSession b = create(alice_, kT0 + 1);
  auto n = service_->purge(kT0 + idle);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(stores_.sessions->find(a.record.id_hash).has_value());
  EXPECT_TRUE(stores_.sessions->find(b.record.id_hash).has_value());
}

TEST_F(SessionsTest, StoreDownFailsClosed) {
  const NewSession s = create(alice_, kT0);
  spy_->down = true;
  auto r = service_->authenticate(s.id, kT0 + 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_EQ(service_->create(alice_, "ip", "ua", kT0).error().code, Errc::kUnavailable);
  EXPECT_EQ(service_->list(alice_.id, kT0).error().code, Errc::kUnavailable);
  EXPECT_EQ(service_->revoke_all(alice_.id).error().code, Errc::kUnavailable);
}

// --- The in-process cache (auth/session_cache.h) ---

TEST_F(SessionsTest, CachedWithinTheSecondAndReloadedInTheNext) {
  const NewSession s = create(alice_, kT0);
  ASSERT_TRUE(service_->authenticate_shared(s.id, kT0).has_value());
  const int before = spy_->calls;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(service_->authenticate_shared(s.id, kT0).has_value());
  EXPECT_EQ(spy_->calls, before);  // no store call while cached
  ASSERT_TRUE(service_->authenticate_shared(s.id, kT0 + 1).has_value());
  EXPECT_GT(spy_->calls, before);  // a new second reads the store again
}

TEST_F(SessionsTest, AnotherProcessRevocationIsSeenInTheNextSecond) {
  // Another process (the CLI, another node) deletes the record behind this service's back.
  const NewSession s = create(alice_, kT0);
  ASSERT_TRUE(service_->authenticate_shared(s.id, kT0).has_value());
  ASSERT_TRUE(stores_.sessions->remove(s.record.id_hash).has_value());
  EXPECT_EQ(auth_error(s.id, kT0 + 1), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, AnotherProcessDisablingTheUserIsSeenInTheNextSecond) {
  const NewSession s = create(alice_, kT0);
  ASSERT_TRUE(service_->authenticate_shared(s.id, kT0).has_value());
  ASSERT_TRUE(stores_.users->set_disabled(alice_.id, true).has_value());
  EXPECT_EQ(auth_error(s.id, kT0 + 1), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, RevocationThroughTheServiceIsImmediateDespiteTheCache) {
  const NewSession a = create(alice_, kT0);
  const NewSession b = create(alice_, kT0);
  const NewSession c = create(alice_, kT0);
  const NewSession d = create(alice_, kT0);
  const NewSession e = create(bob_, kT0);
  for (const NewSession* s : {&a, &b, &c, &d, &e}) {
    ASSERT_TRUE(service_->authenticate_shared(s->id, kT0).has_value());
  }
  // Same second, so only the cache could still answer.
  ASSERT_TRUE(service_->revoke(a.id).has_value());
  EXPECT_EQ(auth_error(a.id, kT0), Errc::kUnauthenticated);

  ASSERT_TRUE(service_->revoke_public(alice_.id, b.public_id).has_value());
  EXPECT_EQ(auth_error(b.id, kT0), Errc::kUnauthenticated);

  auto rotated = service_->rotate(c.record, kT0);
  ASSERT_TRUE(rotated.has_value());
  EXPECT_EQ(auth_error(c.id, kT0), Errc::kUnauthenticated);
  EXPECT_TRUE(service_->authenticate_shared(rotated->id, kT0).has_value());

  ASSERT_TRUE(service_->revoke_all(alice_.id).has_value());
  EXPECT_EQ(auth_error(d.id, kT0), Errc::kUnauthenticated);
  EXPECT_EQ(auth_error(rotated->id, kT0), Errc::kUnauthenticated);
  EXPECT_TRUE(service_->authenticate_shared(e.id, kT0).has_value());  // bob unaffected
}

TEST_F(SessionsTest, EvictionByMaxPerUserIsImmediateDespiteTheCache) {
  SessionConfig config;
  config.max_per_user = 2;
  service_ = std::make_unique<SessionService>(spy_, stores_.users, config);
  const NewSession oldest = create(alice_, kT0);
  const NewSession mid = create(alice_, kT0 + 1);
  ASSERT_TRUE(service_->authenticate_shared(oldest.id, kT0 + 2).has_value());
  const NewSession newest = create(alice_, kT0 + 2);
  EXPECT_EQ(newest.evicted, 1u);
  EXPECT_EQ(auth_error(oldest.id, kT0 + 2), Errc::kUnauthenticated);
  EXPECT_TRUE(service_->authenticate_shared(mid.id, kT0 + 2).has_value());
}

TEST_F(SessionsTest, ExpiryIsEnforcedOnCachedEntries) {
  // Cached at the last valid second; one second later the entry is stale anyway, but the
  // expiry check must not depend on that: a cached hit re-checks it.
  const SessionConfig c;
  const NewSession s = create(alice_, kT0);
  const std::int64_t last = kT0 + c.absolute_lifetime - 1;
  for (std::int64_t t = kT0; t < last; t += 3600) {
    ASSERT_TRUE(service_->authenticate_shared(s.id, t).has_value());
  }
  ASSERT_TRUE(service_->authenticate_shared(s.id, last).has_value());
  EXPECT_EQ(auth_error(s.id, last + 1), Errc::kUnauthenticated);
}

TEST_F(SessionsTest, CacheCanBeTurnedOff) {
  SessionConfig config;
  config.cache_capacity = 0;
  service_ = std::make_unique<SessionService>(spy_, stores_.users, config);
  const NewSession s = create(alice_, kT0);
  int before = spy_->calls;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(service_->authenticate_shared(s.id, kT0).has_value());
    EXPECT_GT(spy_->calls, before);
    before = spy_->calls;
  }
}

TEST_F(SessionsTest, CachedSessionStillFailsClosedWhenTheStoreIsDownNextSecond) {
  const NewSession s = create(alice_, kT0);
  ASSERT_TRUE(service_->authenticate_shared(s.id, kT0).has_value());
  spy_->down = true;
  auto r = service_->authenticate_shared(s.id, kT0 + 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tessera::auth
