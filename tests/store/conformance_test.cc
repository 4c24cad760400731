// The store conformance suite: ONE set of tests written against the interfaces in src/store/,
// run against every backend (memory, sqlite; PostgreSQL and Redis join later by adding a name
// to kBackends and a case to open_backend). Each test gets fresh, empty stores (sqlite: a new
// file in a new temp dir). Tests that only make sense for one backend (files, processes,
// corruption) are in sqlite_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store {
namespace {

using testing::make_session;
using testing::make_user;
using testing::TempDir;
using testing::token;
using testing::user_id;

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    StoreConfig config{.backend = GetParam()};
    if (GetParam() == "sqlite") config.sqlite_path = dir_.path() / "tessera.db";
    auto opened = open_stores(config);
    ASSERT_TRUE(opened) << opened.error();
    stores_ = std::move(*opened);
  }

  UserStore& users() { return *stores_.users; }
  SessionStore& sessions() { return *stores_.sessions; }
  CounterStore& counters() { return *stores_.counters; }
  AuditStore& audit() { return *stores_.audit; }

  TempDir dir_;
  Stores stores_;
};

// ---- factory and types -----------------------------------------------------------------------

TEST_P(StoreConformance, OpensEveryStoreAndIsReady) {
  EXPECT_TRUE(stores_.users && stores_.sessions && stores_.counters && stores_.audit);
  ASSERT_TRUE(stores_.ready);
  EXPECT_TRUE(stores_.ready());
}

// ---- UserStore -------------------------------------------------------------------------------

TEST_P(StoreConformance, UserRoundTripsEveryField) {
  User u = make_user(1, 1000);
  u.email = "zoë@example.com";                   // UTF-8, as the caller normalized it
  u.roles = {"writer", "admin", "r\xc3\xb4le"};  // order kept
  u.disabled = true;
  u.password_changed_at = 1234;
  u.totp_secret = "JBSWY3DPEHPK3PXP";
  ASSERT_TRUE(users().create(u));

  for (auto found : {users().find_by_id(u.id), users().find_by_email(u.email)}) {
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, u.id);
    EXPECT_EQ(found->email, u.email);
    EXPECT_EQ(found->password_hash, u.password_hash);
    EXPECT_EQ(found->roles, u.roles);
    EXPECT_EQ(found->disabled, true);
    EXPECT_EQ(found->created_at, 1000);
    EXPECT_EQ(found->password_changed_at, 1234);
    EXPECT_EQ(found->totp_secret, u.totp_secret);
  }
}

TEST_P(StoreConformance, UserWithNoRolesAndDefaults) {
  User u = make_user(2, 1000);
  u.roles.clear();
  ASSERT_TRUE(users().create(u));
  auto found = users().find_by_id(u.id);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->roles.empty());
  EXPECT_FALSE(found->disabled);
  EXPECT_EQ(found->totp_secret, "");
}

TEST_P(StoreConformance, MissingUserIsNotFound) {
  ASSERT_TRUE(users().create(make_user(1, 1000)));
  EXPECT_EQ(users().find_by_id(user_id(9)).error(), StoreError::kNotFound);
  EXPECT_EQ(users().find_by_email("nobody@example.com").error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, DuplicateUserIdOrEmailConflictsAndChangesNothing) {
  const User first = make_user(1, 1000);
  ASSERT_TRUE(users().create(first));

  User same_id = make_user(1, 2000);
  same_id.email = "other@example.com";
  EXPECT_EQ(users().create(same_id).error(), StoreError::kConflict);
  EXPECT_EQ(users().find_by_email("other@example.com").error(), StoreError::kNotFound);

  User same_email = make_user(2, 2000);
  same_email.email = first.email;
  EXPECT_EQ(users().create(same_email).error(), StoreError::kConflict);
  EXPECT_EQ(users().find_by_id(user_id(2)).error(), StoreError::kNotFound);

  auto kept = users().find_by_email(first.email);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->id, first.id);
  EXPECT_EQ(kept->created_at, 1000);
  auto all = users().list(10, 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

// Normalization (case folding, NFC) is the caller's job: the store compares bytes exactly.
TEST_P(StoreConformance, EmailsAreComparedExactly) {
  User lower = make_user(1, 1000);
  lower.email = "alice@example.com";
  ASSERT_TRUE(users().create(lower));
  EXPECT_EQ(users().find_by_email("Alice@example.com").error(), StoreError::kNotFound);
  EXPECT_EQ(users().find_by_email("alice@example.com ").error(), StoreError::kNotFound);
  User upper = make_user(2, 1000);
  upper.email = "Alice@example.com";
  EXPECT_TRUE(users().create(upper));
}

TEST_P(StoreConformance, SetPasswordChangesHashAndTime) {
  ASSERT_TRUE(users().create(make_user(1, 1000)));
  ASSERT_TRUE(users().set_password(user_id(1), "$argon2id$new", 5000));
  auto u = users().find_by_id(user_id(1));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password_hash, "$argon2id$new");
  EXPECT_EQ(u->password_changed_at, 5000);
  EXPECT_EQ(users().set_password(user_id(2), "x", 1).error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, RehashKeepsPasswordChangedAt) {
  User original = make_user(1, 1000);
  original.password_changed_at = 1500;
  ASSERT_TRUE(users().create(original));
  ASSERT_TRUE(users().rehash_password(user_id(1), "$argon2id$stronger"));
  auto u = users().find_by_id(user_id(1));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password_hash, "$argon2id$stronger");
  EXPECT_EQ(u->password_changed_at, 1500);
  EXPECT_EQ(users().rehash_password(user_id(2), "x").error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, DisableAndEnable) {
  ASSERT_TRUE(users().create(make_user(1, 1000)));
  ASSERT_TRUE(users().set_disabled(user_id(1), true));
  EXPECT_TRUE(users().find_by_id(user_id(1))->disabled);
  ASSERT_TRUE(users().set_disabled(user_id(1), true));  // idempotent: still found
  ASSERT_TRUE(users().set_disabled(user_id(1), false));
  EXPECT_FALSE(users().find_by_email(make_user(1, 0).email)->disabled);
  EXPECT_EQ(users().set_disabled(user_id(2), true).error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, SetRolesReplacesTheList) {
  ASSERT_TRUE(users().create(make_user(1, 1000)));
  const std::vector<std::string> roles = {"b", "a", "admin", "with \"quotes\" and \\"};
  ASSERT_TRUE(users().set_roles(user_id(1), roles));
  EXPECT_EQ(users().find_by_id(user_id(1))->roles, roles);
  ASSERT_TRUE(users().set_roles(user_id(1), {}));
  EXPECT_TRUE(users().find_by_id(user_id(1))->roles.empty());
  EXPECT_EQ(users().set_roles(user_id(2), {"x"}).error(), StoreError::kNotFound);
  // Only the roles changed.
  auto u = users().find_by_id(user_id(1));
  EXPECT_EQ(u->email, make_user(1, 0).email);
  EXPECT_EQ(u->password_hash, make_user(1, 0).password_hash);
}

TEST_P(StoreConformance, ListOrdersByCreatedThenIdAndPages) {
  // Created out of order; two pairs share a created_at (then the id decides).
  for (auto [n, at] : std::vector<std::pair<int, std::int64_t>>{
           {5, 300}, {1, 100}, {4, 200}, {2, 200}, {9, 50}, {3, 300}}) {
    ASSERT_TRUE(users().create(make_user(n, at)));
  }
  const std::vector<int> expected = {9, 1, 2, 4, 3, 5};
  auto ids = [](const std::vector<User>& us) {
    std::vector<int> out;
    for (const auto& u : us) out.push_back(u.id[15]);
    return out;
  };
  auto all = users().list(100, 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(ids(*all), expected);

  std::vector<int> paged;
  for (std::size_t offset = 0;; offset += 4) {
    auto page = users().list(4, offset);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    EXPECT_LE(page->size(), 4u);
    for (int id : ids(*page)) paged.push_back(id);
  }
  EXPECT_EQ(paged, expected);

  EXPECT_EQ(ids(*users().list(2, 1)), (std::vector<int>{1, 2}));
  EXPECT_TRUE(users().list(0, 0)->empty());
  EXPECT_TRUE(users().list(10, 6)->empty());
  EXPECT_TRUE(users().list(10, SIZE_MAX)->empty());
  EXPECT_EQ(users().list(SIZE_MAX, 0)->size(), 6u);
}

TEST_P(StoreConformance, ConcurrentCreatesOfOneEmailGiveOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      User u = make_user(t + 1, 1000);
      u.email = "race@example.com";
      auto r = users().create(u);
      if (r) {
        ++created;
      } else if (r.error() == StoreError::kConflict) {
        ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, kThreads - 1);
}

// ---- SessionStore ----------------------------------------------------------------------------

TEST_P(StoreConformance, SessionRoundTripsEveryField) {
  Session s = make_session(1, 7, 1000);
  s.last_seen_at = 1100;
  s.auth_time = 990;
  s.ip = "2001:db8::1";
  // Header bytes as they came: not necessarily UTF-8, may hold a NUL.
  s.user_agent = std::string("Mozilla/5.0 \xff\xfe caf\xc3\xa9 \0 end", 26);
  s.csrf_hash = token(200);
  ASSERT_EQ(sessions().create(s, 10).value(), 0u);
  auto found = sessions().find(s.id_hash);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id_hash, s.id_hash);
  EXPECT_EQ(found->user_id, s.user_id);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->last_seen_at, 1100);
  EXPECT_EQ(found->auth_time, 990);
  EXPECT_EQ(found->ip, s.ip);
  EXPECT_EQ(found->user_agent, s.user_agent);
  EXPECT_EQ(found->csrf_hash, s.csrf_hash);
}

TEST_P(StoreConformance, MissingSessionIsNotFound) {
  EXPECT_EQ(sessions().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(sessions().touch(token(1), 5).error(), StoreError::kNotFound);
  EXPECT_EQ(sessions().remove(token(1)).error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, DuplicateSessionIdConflictsAndChangesNothing) {
  ASSERT_TRUE(sessions().create(make_session(1, 1, 1000), 10));
  Session again = make_session(2, 1, 2000);  // same id hash, other user
  EXPECT_EQ(sessions().create(again, 10).error(), StoreError::kConflict);
  auto kept = sessions().find(token(1));
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->user_id, user_id(1));
  EXPECT_EQ(kept->created_at, 1000);
  EXPECT_TRUE(sessions().list(user_id(2))->empty());
}

TEST_P(StoreConformance, CreateEvictsTheOldestBeyondMax) {
  // User 1 gets sessions created at 100..500; the limit is 3.
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(sessions().create(make_session(1, i, i * 100), 3).value(), 0u);
  }
  ASSERT_TRUE(sessions().create(make_session(2, 50, 10), 3));  // another user, oldest of all
  EXPECT_EQ(sessions().create(make_session(1, 4, 400), 3).value(), 1u);
  EXPECT_EQ(sessions().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(sessions().create(make_session(1, 5, 500), 3).value(), 1u);
  EXPECT_EQ(sessions().find(token(2)).error(), StoreError::kNotFound);
  for (int i : {3, 4, 5}) EXPECT_TRUE(sessions().find(token(i))) << i;
  EXPECT_TRUE(sessions().find(token(50)));  // the other user is untouched

  // A lower limit evicts several at once.
  EXPECT_EQ(sessions().create(make_session(1, 6, 600), 1).value(), 3u);
  auto left = sessions().list(user_id(1));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().id_hash, token(6));
}

TEST_P(StoreConformance, CreateNeverEvictsTheNewSessionAndZeroMeansNoLimit) {
  for (int i = 1; i <= 5; ++i)
    ASSERT_EQ(sessions().create(make_session(1, i, 1000), 0).value(), 0u);
  EXPECT_EQ(sessions().list(user_id(1))->size(), 5u);
  // The new session is the oldest by created_at (a clock step back): the others go.
  EXPECT_EQ(sessions().create(make_session(1, 9, 1), 2).value(), 4u);
  auto left = sessions().list(user_id(1));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_TRUE(sessions().find(token(9)));
}

TEST_P(StoreConformance, ConcurrentCreatesKeepTheLimit) {
  constexpr int kThreads = 4, kPerThread = 25;
  constexpr std::size_t kMax = 5;
  std::atomic<std::size_t> evicted{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i + 1;
        auto r = sessions().create(make_session(1, n, 1000 + n), kMax);
        if (r) {
          evicted += *r;
        } else {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(evicted, kThreads * kPerThread - kMax);
  EXPECT_EQ(sessions().list(user_id(1))->size(), kMax);
}

TEST_P(StoreConformance, TouchOnlyMovesForward) {
  Session s = make_session(1, 1, 1000);
  s.last_seen_at = 1000;
  ASSERT_TRUE(sessions().create(s, 10));
  ASSERT_TRUE(sessions().touch(s.id_hash, 1500));
  EXPECT_EQ(sessions().find(s.id_hash)->last_seen_at, 1500);
  ASSERT_TRUE(sessions().touch(s.id_hash, 1200));  // an older request finishing late
  EXPECT_EQ(sessions().find(s.id_hash)->last_seen_at, 1500);
  ASSERT_TRUE(sessions().touch(s.id_hash, 1500));  // same time: still found
  EXPECT_EQ(sessions().find(s.id_hash)->created_at, 1000);
}

TEST_P(StoreConformance, RemoveDeletesOne) {
  ASSERT_TRUE(sessions().create(make_session(1, 1, 1000), 10));
  ASSERT_TRUE(sessions().create(make_session(1, 2, 1001), 10));
  ASSERT_TRUE(sessions().remove(token(1)));
  EXPECT_EQ(sessions().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(sessions().remove(token(1)).error(), StoreError::kNotFound);
  EXPECT_TRUE(sessions().find(token(2)));
  EXPECT_EQ(sessions().list(user_id(1))->size(), 1u);
}

TEST_P(StoreConformance, RemoveAllWithAndWithoutKeep) {
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(sessions().create(make_session(1, i, 1000 + i), 10));
  ASSERT_TRUE(sessions().create(make_session(2, 10, 1000), 10));

  const TokenHash keep = token(3);
  EXPECT_EQ(sessions().remove_all(user_id(1), &keep).value(), 3u);
  auto left = sessions().list(user_id(1));
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().id_hash, keep);
  EXPECT_TRUE(sessions().find(token(10)));  // other user untouched

  // `keep` of another user protects nothing of this one.
  const TokenHash foreign = token(10);
  EXPECT_EQ(sessions().remove_all(user_id(1), &foreign).value(), 1u);
  EXPECT_TRUE(sessions().find(token(10)));
  EXPECT_EQ(sessions().remove_all(user_id(1)).value(), 0u);
  EXPECT_EQ(sessions().remove_all(user_id(2)).value(), 1u);
  EXPECT_EQ(sessions().remove_all(user_id(3)).value(), 0u);
}

TEST_P(StoreConformance, ListNewestFirst) {
  EXPECT_TRUE(sessions().list(user_id(1))->empty());
  for (auto [n, at] : std::vector<std::pair<int, std::int64_t>>{{1, 300}, {2, 100}, {3, 200}}) {
    ASSERT_TRUE(sessions().create(make_session(1, n, at), 10));
  }
  ASSERT_TRUE(sessions().create(make_session(2, 4, 250), 10));
  auto list = sessions().list(user_id(1));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id_hash, token(1));
  EXPECT_EQ((*list)[1].id_hash, token(3));
  EXPECT_EQ((*list)[2].id_hash, token(2));
  for (const auto& s : *list) EXPECT_EQ(s.user_id, user_id(1));
}

TEST_P(StoreConformance, PurgeByAbsoluteAndIdleExpiry) {
  auto add = [&](int n, std::int64_t created, std::int64_t seen) {
    Session s = make_session(1 + n % 2, n, created);
    s.last_seen_at = seen;
    ASSERT_TRUE(sessions().create(s, 0));
  };
  add(1, 100, 900);   // too old (created_at < 200)
  add(2, 200, 900);   // exactly at the absolute bound: kept
  add(3, 500, 400);   // idle (last_seen_at < 500)
  add(4, 500, 500);   // exactly at the idle bound: kept
  add(5, 600, 1000);  // fresh
  EXPECT_EQ(sessions().purge(200, 500).value(), 2u);
  EXPECT_EQ(sessions().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(sessions().find(token(3)).error(), StoreError::kNotFound);
  for (int n : {2, 4, 5}) EXPECT_TRUE(sessions().find(token(n))) << n;
  EXPECT_EQ(sessions().list(user_id(1))->size() + sessions().list(user_id(2))->size(), 3u);
  EXPECT_EQ(sessions().purge(200, 500).value(), 0u);
  EXPECT_EQ(sessions().purge(INT64_MAX, 0).value(), 3u);
}

// ---- CounterStore ----------------------------------------------------------------------------

TEST_P(StoreConformance, CounterWindows) {
  auto c = counters().increment("login:ip:1", 1000, 60);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, 1);
  EXPECT_EQ(c->window_ends, 1060);
  c = counters().increment("login:ip:1", 1030, 60);  // same window: the end does not move
  EXPECT_EQ(c->value, 2);
  EXPECT_EQ(c->window_ends, 1060);
  c = counters().increment("login:ip:1", 1059, 60);
  EXPECT_EQ(c->value, 3);
  c = counters().increment("login:ip:1", 1060, 60);  // the window has ended: a new one
  EXPECT_EQ(c->value, 1);
  EXPECT_EQ(c->window_ends, 1120);
  c = counters().increment("login:ip:1", 5000, 10);
  EXPECT_EQ(c->value, 1);
  EXPECT_EQ(c->window_ends, 5010);
}

TEST_P(StoreConformance, CounterGet) {
  auto none = counters().get("k", 1000);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->value, 0);
  EXPECT_EQ(none->window_ends, 0);
  ASSERT_TRUE(counters().increment("k", 1000, 60));
  ASSERT_TRUE(counters().increment("k", 1001, 60));
  auto now = counters().get("k", 1059);
  EXPECT_EQ(now->value, 2);
  EXPECT_EQ(now->window_ends, 1060);
  auto later = counters().get("k", 1060);  // expired
  EXPECT_EQ(later->value, 0);
  EXPECT_EQ(later->window_ends, 0);
  EXPECT_EQ(counters().get("k", 1000)->value, 2);  // get changes nothing
}

TEST_P(StoreConformance, CounterResetAndKeysAreIndependent) {
  ASSERT_TRUE(counters().increment("a", 1000, 60));
  ASSERT_TRUE(counters().increment("a", 1000, 60));
  ASSERT_TRUE(counters().increment("b", 1000, 60));
  ASSERT_TRUE(counters().reset("a"));
  EXPECT_EQ(counters().get("a", 1000)->value, 0);
  EXPECT_EQ(counters().get("b", 1000)->value, 1);
  EXPECT_EQ(counters().increment("a", 1001, 60)->value, 1);
  EXPECT_TRUE(counters().reset("never-seen"));
  EXPECT_EQ(counters().increment("login:email:Bob@x", 1000, 60)->value, 1);  // exact keys
  EXPECT_EQ(counters().increment("login:email:bob@x", 1000, 60)->value, 1);
}

TEST_P(StoreConformance, ConcurrentIncrementsAreExact) {
  constexpr int kThreads = 8, kPerThread = 250;
  std::atomic<int> failures{0};
  std::vector<std::vector<std::int64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto c = counters().increment("hot", 1000, 3600);
        if (c) {
          seen[t].push_back(c->value);
        } else {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(counters().get("hot", 1000)->value, kThreads * kPerThread);
  // Every increment saw a distinct value: none was lost or doubled.
  std::set<std::int64_t> all;
  for (const auto& v : seen) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
}

TEST_P(StoreConformance, ManyExpiredCountersDoNotBreakLiveOnes) {
  // Enough increments to trigger the periodic sweep of ended windows (4096) in every backend.
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(counters().increment("ip:" + std::to_string(i), 1000, 10));
  }
  ASSERT_TRUE(counters().increment("live", 1000, 100000));
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(counters().increment("later:" + std::to_string(i), 2000, 10));
  }
  EXPECT_EQ(counters().get("live", 2000)->value, 1);
  EXPECT_EQ(counters().increment("live", 2000, 100000)->value, 2);
  EXPECT_EQ(counters().get("ip:1", 2000)->value, 0);
  EXPECT_EQ(counters().increment("ip:1", 2000, 10)->value, 1);
}

// ---- AuditStore ------------------------------------------------------------------------------

AuditEvent event(std::int64_t at, std::string type, std::optional<UserId> user) {
  return AuditEvent{.id = 999,  // ignored
                    .at = at,
                    .type = std::move(type),
                    .user_id = user,
                    .ip = "192.0.2.7",
                    .user_agent = "curl/8",
                    .detail = R"({"reason":"bad password"})"};
}

TEST_P(StoreConformance, AuditAppendAssignsIncreasingIdsAndRoundTrips) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto id = audit().append(
        event(100 + i, "login.failure", i % 2 ? std::optional(user_id(1)) : std::nullopt));
    ASSERT_TRUE(id);
    ids.push_back(*id);
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_GT(ids.front(), 0);

  auto all = audit().query({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    const AuditEvent& e = (*all)[i];  // newest first
    EXPECT_EQ(e.id, ids[4 - i]);
    EXPECT_EQ(e.at, static_cast<std::int64_t>(104 - i));
    EXPECT_EQ(e.type, "login.failure");
    EXPECT_EQ(e.user_id.has_value(), (4 - i) % 2 == 1);
    if (e.user_id) {
      EXPECT_EQ(*e.user_id, user_id(1));
    }
    EXPECT_EQ(e.ip, "192.0.2.7");
    EXPECT_EQ(e.user_agent, "curl/8");
    EXPECT_EQ(e.detail, R"({"reason":"bad password"})");
  }
}

TEST_P(StoreConformance, AuditQueryFilters) {
  // id order: u1 success, u2 failure, u1 failure, anonymous failure, u1 logout, u2 success
  struct Spec {
    const char* type;
    std::optional<UserId> user;
  };
  const std::vector<Spec> specs = {{"login.success", user_id(1)}, {"login.failure", user_id(2)},
                                   {"login.failure", user_id(1)}, {"login.failure", std::nullopt},
                                   {"logout", user_id(1)},        {"login.success", user_id(2)}};
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    ids.push_back(
        audit().append(event(static_cast<std::int64_t>(i), specs[i].type, specs[i].user)).value());
  }
  auto idx = [&](const std::vector<AuditEvent>& es) {
    std::vector<std::size_t> out;
    for (const auto& e : es) {
      out.push_back(
          static_cast<std::size_t>(std::find(ids.begin(), ids.end(), e.id) - ids.begin()));
    }
    return out;
  };
  using V = std::vector<std::size_t>;
  EXPECT_EQ(idx(*audit().query({.user_id = user_id(1)})), (V{4, 2, 0}));
  EXPECT_EQ(idx(*audit().query({.type = "login.failure"})), (V{3, 2, 1}));
  EXPECT_EQ(idx(*audit().query({.user_id = user_id(2), .type = "login.success"})), (V{5}));
  EXPECT_EQ(idx(*audit().query({.limit = 2})), (V{5, 4}));
  EXPECT_EQ(idx(*audit().query({.before_id = ids[4]})), (V{3, 2, 1, 0}));
  EXPECT_EQ(idx(*audit().query({.limit = 1, .before_id = ids[4], .user_id = user_id(1)})), (V{2}));
  EXPECT_TRUE(audit().query({.limit = 0})->empty());
  EXPECT_TRUE(audit().query({.before_id = ids[0]})->empty());
  EXPECT_TRUE(audit().query({.before_id = 0})->empty());
  EXPECT_TRUE(audit().query({.before_id = -5})->empty());
  EXPECT_EQ(audit().query({.before_id = ids[5] + 1000})->size(), 6u);
  EXPECT_TRUE(audit().query({.user_id = user_id(3)})->empty());
  EXPECT_TRUE(audit().query({.type = "nope"})->empty());

  // Paging with before_id visits every event once, newest first.
  std::vector<std::size_t> paged;
  std::optional<std::int64_t> before;
  for (;;) {
    auto page = audit().query({.limit = 4, .before_id = before});
    ASSERT_TRUE(page);
    if (page->empty()) break;
    for (auto i : idx(*page)) paged.push_back(i);
    before = page->back().id;
  }
  EXPECT_EQ(paged, (V{5, 4, 3, 2, 1, 0}));
}

TEST_P(StoreConformance, ConcurrentAppendsGetDistinctIds) {
  constexpr int kThreads = 4, kPerThread = 50;
  std::vector<std::vector<std::int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (auto id = audit().append(event(i, "t" + std::to_string(t), std::nullopt))) {
          got[t].push_back(*id);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::int64_t> all;
  for (const auto& ids : got) {
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kPerThread));
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));  // increasing within a thread
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(audit().query({.limit = 1000})->size(), all.size());
}

TEST_P(StoreConformance, RememberDeviceReportsNewness) {
  EXPECT_TRUE(audit().remember_device(user_id(1), "fp-a", 1000).value());
  EXPECT_FALSE(audit().remember_device(user_id(1), "fp-a", 2000).value());
  EXPECT_FALSE(audit().remember_device(user_id(1), "fp-a", 1500).value());
  EXPECT_TRUE(audit().remember_device(user_id(1), "fp-b", 2000).value());
  EXPECT_TRUE(audit().remember_device(user_id(2), "fp-a", 2000).value());
  EXPECT_TRUE(audit().remember_device(user_id(1), "FP-A", 2000).value());  // exact
}

TEST_P(StoreConformance, ConcurrentFirstLoginsFromOneDeviceGiveOneNew) {
  constexpr int kThreads = 8, kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string fp = "fp-" + std::to_string(round);
    std::atomic<int> fresh{0}, failures{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        auto r = audit().remember_device(user_id(1), fp, 1000);
        if (!r) {
          ++failures;
        } else if (*r) {
          ++fresh;
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(fresh, 1) << fp;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace tessera::store
