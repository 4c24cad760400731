// The store conformance suite: ONE set of tests written against the interfaces in src/store/,
// run against every backend: memory, sqlite, postgres, and with the Redis cache in front
// ("sqlite+redis", "postgres+redis": the backend for users, refresh families, keys, clients,
// authorization codes, consents, credentials and audit; Redis for sessions, counters and
// revocations). Each test gets fresh, empty stores (sqlite: a new file in a new temp dir; postgres:
// a new database on the server of TESSERA_TEST_POSTGRES_DSN, see postgres_test_util.h; redis: a new
// key prefix on the server named by TESSERA_TEST_REDIS_URL, deleted afterwards - without them those
// tests fail, saying how to run them). Tests that only make sense for one backend (files,
// processes, corruption, timeouts, outages) are in sqlite_test.cc, postgres_test.cc and
// redis_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "client_checks.h"
#include "conformance_fixture.h"
#include "credential_checks.h"
#include "grant_checks.h"
#include "postgres_test_util.h"
#include "redis_test_util.h"
#include "refresh_rows.h"
#include "rotation_race.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store {
namespace {

using testing::expect_same_client;
using testing::expect_same_code;
using testing::expect_same_consent;
using testing::family_id;
using testing::make_client;
using testing::make_code;
using testing::make_consent;
using testing::make_family;
using testing::make_key;
using testing::make_session;
using testing::make_user;
using testing::recovery_hash;
using testing::TempDir;
using testing::token;
using testing::user_handle;
using testing::user_id;

// ---- factory and types -----------------------------------------------------------------------

TEST_P(StoreConformance, OpensEveryStoreAndIsReady) {
  EXPECT_TRUE(stores_.users && stores_.sessions && stores_.counters && stores_.audit &&
              stores_.refresh && stores_.keys && stores_.revocations && stores_.clients &&
              stores_.codes && stores_.consents && stores_.credentials);
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
  auto all = users().list({.limit = 10});
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

// Re-normalizing a stored email (auth/users.h renormalize_emails): set_email moves the user to
// the new address, refuses one that another user has, and list_non_ascii_emails finds exactly
// the users whose email holds a non-ASCII byte.
TEST_P(StoreConformance, SetEmailAndTheNonAsciiEmails) {
  User idn = make_user(1, 1000);
  idn.email = "ana@b\u00fccher.example";
  User local = make_user(2, 1000);
  local.email = "jos\u00e9@example.com";
  User plain = make_user(3, 1000);
  plain.email = "plain@xn--bcher-kva.example";
  for (const User& u : {idn, local, plain}) ASSERT_TRUE(users().create(u));

  auto found = users().list_non_ascii_emails();
  ASSERT_TRUE(found);
  std::set<UserId> ids;
  for (const User& u : *found) ids.insert(u.id);
  EXPECT_EQ(ids, (std::set<UserId>{idn.id, local.id}));

  ASSERT_TRUE(users().set_email(idn.id, "ana@xn--bcher-kva.example"));
  EXPECT_EQ(users().find_by_email("ana@xn--bcher-kva.example")->id, idn.id);
  EXPECT_EQ(users().find_by_email(idn.email).error(), StoreError::kNotFound);
  EXPECT_EQ(users().find_by_id(idn.id)->email, "ana@xn--bcher-kva.example");
  EXPECT_TRUE(users().set_email(idn.id, "ana@xn--bcher-kva.example"));  // the same: no change
  EXPECT_EQ(users().set_email(local.id, plain.email).error(), StoreError::kConflict);
  EXPECT_EQ(users().find_by_id(local.id)->email, local.email);  // unchanged
  EXPECT_EQ(users().set_email(user_id(9), "x@example.com").error(), StoreError::kNotFound);
  EXPECT_EQ(users().list_non_ascii_emails()->size(), 1u);
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

// The ids of `us` by their last byte (user_id(n)).
std::vector<int> last_bytes(const std::vector<User>& us) {
  std::vector<int> out;
  for (const auto& u : us) out.push_back(u.id[15]);
  return out;
}

// Every page of `q` (its `after` ignored), following each page's last user: the users in order.
std::vector<int> all_pages(UserStore& users, UserListQuery q) {
  std::vector<int> out;
  q.after.reset();
  for (int pages = 0; pages < 100; ++pages) {
    auto page = users.list(q);
    EXPECT_TRUE(page);
    if (!page || page->empty()) break;
    EXPECT_LE(page->size(), q.limit);
    for (int id : last_bytes(*page)) out.push_back(id);
    q.after = UserListPosition{.created_at = page->back().created_at, .id = page->back().id};
  }
  return out;
}

TEST_P(StoreConformance, ListOrdersByCreatedThenIdAndPages) {
  // Created out of order; two pairs share a created_at (then the id decides).
  for (auto [n, at] : std::vector<std::pair<int, std::int64_t>>{
           {5, 300}, {1, 100}, {4, 200}, {2, 200}, {9, 50}, {3, 300}}) {
    ASSERT_TRUE(users().create(make_user(n, at)));
  }
  const std::vector<int> expected = {9, 1, 2, 4, 3, 5};
  auto all = users().list({});
  ASSERT_TRUE(all);
  EXPECT_EQ(last_bytes(*all), expected);
  EXPECT_EQ(all_pages(users(), {.limit = 4}), expected);
  EXPECT_EQ(all_pages(users(), {.limit = 1}), expected);

  // Strictly after a position, whether or not a user stands at it.
  auto after = [&](std::int64_t at, int n) {
    auto page = users().list({.limit = 2, .after = UserListPosition{at, user_id(n)}});
    EXPECT_TRUE(page);
    return page ? last_bytes(*page) : std::vector<int>{};
  };
  EXPECT_EQ(after(100, 1), (std::vector<int>{2, 4}));
  EXPECT_EQ(after(200, 2), (std::vector<int>{4, 3}));
  EXPECT_EQ(after(200, 3), (std::vector<int>{4, 3}));  // no user 3 at 200
  EXPECT_EQ(after(250, 0), (std::vector<int>{3, 5}));
  EXPECT_TRUE(after(300, 5).empty());
  EXPECT_TRUE(users().list({.limit = 0})->empty());
  EXPECT_EQ(users().list({.limit = SIZE_MAX})->size(), 6u);
  // A user created behind the position does not move the pages after it.
  ASSERT_TRUE(users().create(make_user(7, 10)));
  EXPECT_EQ(after(200, 2), (std::vector<int>{4, 3}));
}

// Ids compare as unsigned bytes on every backend (the cursor's order is the list's).
TEST_P(StoreConformance, ListOrdersIdsAsUnsignedBytes) {
  User high = make_user(1, 100);
  high.id[0] = 0xff;
  User low = make_user(2, 100);
  low.id[0] = 0x01;
  ASSERT_TRUE(users().create(high));
  ASSERT_TRUE(users().create(low));
  auto all = users().list({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->front().id, low.id);
  auto next = users().list({.limit = 5, .after = UserListPosition{100, low.id}});
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->front().id, high.id);
}

// The search: a byte substring of the stored email; `%` and `_` are themselves, the store folds
// no case (the service lower-cases the search: auth/users.h).
TEST_P(StoreConformance, ListSearchesEmailsAsBytes) {
  const std::vector<std::pair<int, std::string>> emails = {
      {1, "ann@example.com"},    {2, "bob_smith@example.com"},    {3, "bobxsmith@example.com"},
      {4, "100%@example.org"},   {5, "anna@b\u00fccher.example"}, {6, "Carl@example.com"},
      {7, "bob.ann@example.com"}};
  for (const auto& [n, email] : emails) {
    User u = make_user(n, 100 + n);
    u.email = email;
    ASSERT_TRUE(users().create(u));
  }
  auto search = [&](std::string text, std::size_t limit = 100) {
    return all_pages(users(), {.limit = limit, .email_contains = std::move(text)});
  };
  EXPECT_EQ(search("ann"), (std::vector<int>{1, 5, 7}));
  EXPECT_EQ(search("ANN"), (std::vector<int>{}));  // bytes: no case folding here
  EXPECT_EQ(search("carl"), (std::vector<int>{}));
  EXPECT_EQ(search("Carl"), (std::vector<int>{6}));
  EXPECT_EQ(search("b_s"), (std::vector<int>{2}));  // not a LIKE wildcard
  EXPECT_EQ(search("_"), (std::vector<int>{2}));
  EXPECT_EQ(search("%"), (std::vector<int>{4}));
  EXPECT_EQ(search("0%@"), (std::vector<int>{4}));
  EXPECT_EQ(search("\u00fc"), (std::vector<int>{5}));
  EXPECT_EQ(search("nobody"), (std::vector<int>{}));
  EXPECT_EQ(search(""), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  // Search and paging together: the pages hold only matches, and follow on.
  EXPECT_EQ(search("example.com", 2), (std::vector<int>{1, 2, 3, 6, 7}));
  EXPECT_EQ(search("@", 1), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  auto first = users().list({.limit = 2, .email_contains = "bob"});
  ASSERT_TRUE(first);
  EXPECT_EQ(last_bytes(*first), (std::vector<int>{2, 3}));
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
  s.amr = "pwd otp mfa";
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
  EXPECT_EQ(found->amr, "pwd otp mfa");
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
  // The new session's created_at is the earliest (a clock step back): it is still the newest.
  EXPECT_EQ(sessions().create(make_session(1, 9, 1), 2).value(), 4u);
  auto left = sessions().list(user_id(1));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].id_hash, token(9));
  EXPECT_EQ((*left)[1].id_hash, token(5));
}

// Issue 14, defect 10: among sessions created in one second, eviction follows the order of
// creation, never the random id. The ids here fall as they are created, so the old rule
// (created_at, then id_hash) would evict the newest sessions first.
TEST_P(StoreConformance, EvictsInCreationOrderWithinOneSecond) {
  constexpr int kSessions = 12;
  constexpr std::size_t kMax = 3;
  std::size_t evicted = 0;
  for (int i = 0; i < kSessions; ++i) {
    auto r = sessions().create(make_session(1, 100 - i, 1000), kMax);
    ASSERT_TRUE(r) << i;
    evicted += *r;
    // The session just created and the ones created right before it survive.
    for (int j = std::max(0, i - static_cast<int>(kMax) + 1); j <= i; ++j) {
      EXPECT_TRUE(sessions().find(token(100 - j))) << "after create " << i << ": session " << j;
    }
  }
  EXPECT_EQ(evicted, kSessions - kMax);
  auto left = sessions().list(user_id(1));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), kMax);
  for (std::size_t k = 0; k < kMax; ++k) {  // newest first
    EXPECT_EQ((*left)[k].id_hash, token(100 - (kSessions - 1) + static_cast<int>(k))) << k;
  }
}

TEST_P(StoreConformance, ConcurrentCreatesKeepTheLimit) {
  constexpr int kThreads = 4, kPerThread = 25;
  constexpr std::size_t kMax = 5;
  auto race = testing::create_concurrently(kThreads, kPerThread, kMax,
                                           [&](int) -> SessionStore& { return sessions(); });
  EXPECT_EQ(race.failures, 0);
  EXPECT_EQ(race.evicted, kThreads * kPerThread - kMax);
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
  // Creation order, whatever created_at says (clocks step, and seconds tie).
  for (auto [n, at] : std::vector<std::pair<int, std::int64_t>>{{1, 300}, {2, 100}, {3, 200}}) {
    ASSERT_TRUE(sessions().create(make_session(1, n, at), 10));
  }
  ASSERT_TRUE(sessions().create(make_session(2, 4, 250), 10));
  auto list = sessions().list(user_id(1));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id_hash, token(3));
  EXPECT_EQ((*list)[1].id_hash, token(2));
  EXPECT_EQ((*list)[2].id_hash, token(1));
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
  auto race = testing::increment_concurrently(kThreads, kPerThread,
                                              [&](int) -> CounterStore& { return counters(); });
  EXPECT_EQ(race.failures, 0);
  EXPECT_EQ(counters().get("hot", 1000)->value, kThreads * kPerThread);
  // Every increment saw a distinct value: none was lost or doubled.
  const std::set<std::int64_t> all(race.values.begin(), race.values.end());
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

TEST_P(StoreConformance, AuditPurgeDeletesOlderEventsInBatchesAndNeverReusesIds) {
  std::vector<std::int64_t> ids;
  for (std::int64_t at = 0; at < 6; ++at) {
    ids.push_back(audit().append(event(100 + at, "login.failure", user_id(1))).value());
  }
  EXPECT_EQ(audit().purge(100, 10).value(), 0u) << "nothing is older than the oldest";
  EXPECT_EQ(audit().purge(103, 2).value(), 2u) << "at most the limit";
  EXPECT_EQ(audit().purge(103, 2).value(), 1u) << "then the rest of what is older";
  EXPECT_EQ(audit().purge(103, 2).value(), 0u);
  std::vector<std::int64_t> left;
  const std::vector<AuditEvent> events = audit().query({}).value();
  for (const AuditEvent& e : events) left.push_back(e.id);
  EXPECT_EQ(left, (std::vector<std::int64_t>{ids[5], ids[4], ids[3]}));
  // Paging still works across the gap, and a new event gets a new id.
  EXPECT_EQ(audit().query({.before_id = ids[3]})->size(), 0u);
  EXPECT_EQ(audit().query({.before_id = ids[5], .user_id = user_id(1)})->size(), 2u);
  EXPECT_EQ(audit().purge(1000, 100).value(), 3u);
  EXPECT_TRUE(audit().query({})->empty());
  EXPECT_GT(audit().append(event(200, "logout", user_id(1))).value(), ids.back())
      << "ids are never reused, even once every event is purged";
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
  // since: at >= since (event i is at i), with the other filters and the limit applied after it.
  EXPECT_EQ(idx(*audit().query({.since = 2})), (V{5, 4, 3, 2}));
  EXPECT_EQ(idx(*audit().query({.user_id = user_id(1), .since = 1})), (V{4, 2}));
  EXPECT_EQ(idx(*audit().query({.limit = 1, .type = "login.failure", .since = 0})), (V{3}));
  EXPECT_EQ(idx(*audit().query({.before_id = ids[3], .since = 2})), (V{2}));
  EXPECT_TRUE(audit().query({.since = 6})->empty());
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

// ---- RefreshStore ----------------------------------------------------------------------------

// Every field of a family, as a login with all the optional parts would fill it.
RefreshFamily full_family() {
  RefreshFamily f = make_family(1, 1, 1000);
  f.generation = 7;
  f.last_used_at = 1200;
  f.auth_time = 990;
  f.amr = "hwk mfa";
  f.password_changed_at = 500;
  f.client_id = "mobile-app";
  f.scope = "openid profile offline_access";
  f.ip = "2001:db8::7";
  f.user_agent = std::string("Agent \xff\xfe caf\xc3\xa9 \0 end", 20);  // bytes as they came
  return f;
}

void expect_same_family(const RefreshFamily& got, const RefreshFamily& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.generation, want.generation);
  EXPECT_EQ(got.last_used_at, want.last_used_at);
  EXPECT_EQ(got.auth_time, want.auth_time);
  EXPECT_EQ(got.amr, want.amr);
  EXPECT_EQ(got.password_changed_at, want.password_changed_at);
  EXPECT_EQ(got.client_id, want.client_id);
  EXPECT_EQ(got.scope, want.scope);
  EXPECT_EQ(got.ip, want.ip);
  EXPECT_EQ(got.user_agent, want.user_agent);
  EXPECT_EQ(got.revoked_at, want.revoked_at);
  EXPECT_EQ(got.revoked_reason, want.revoked_reason);
}

// Rotates family n from `from` up to generation `to`, one step at a time, at `now`.
void rotate_up(RefreshStore& refresh, int n, std::int64_t from, std::int64_t to, std::int64_t now) {
  for (std::int64_t g = from; g < to; ++g) {
    auto r = refresh.rotate(family_id(n), g, now);
    ASSERT_TRUE(r) << g;
    ASSERT_EQ(r->outcome, RotateOutcome::kRotated) << g;
  }
}

TEST_P(StoreConformance, RefreshCreateAndFindRoundTripEveryField) {
  const RefreshFamily f = full_family();
  ASSERT_TRUE(refresh().create(f));
  auto found = refresh().find(f.id);
  ASSERT_TRUE(found);
  expect_same_family(*found, f);
  // A revoked family round-trips its revocation too, and generation 0 (a legacy family's).
  RefreshFamily revoked = make_family(1, 2, 2000);
  revoked.generation = 0;
  revoked.revoked_at = 2100;
  revoked.revoked_reason = "password";
  ASSERT_TRUE(refresh().create(revoked));
  expect_same_family(refresh().find(family_id(2)).value(), revoked);
  expect_same_family(refresh().list(user_id(1))->front(), f);
}

TEST_P(StoreConformance, RefreshDuplicateFamilyConflictsAndChangesNothing) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  EXPECT_EQ(refresh().create(make_family(2, 1, 2000)).error(), StoreError::kConflict);
  EXPECT_TRUE(refresh().list(user_id(2))->empty());
  expect_same_family(refresh().find(family_id(1)).value(), make_family(1, 1, 1000));
  EXPECT_EQ(refresh().list(user_id(1))->size(), 1u);
}

TEST_P(StoreConformance, RefreshUnknownIsNotFoundAndChangesNothing) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  EXPECT_EQ(refresh().find(family_id(9)).error(), StoreError::kNotFound);
  EXPECT_EQ(refresh().rotate(family_id(9), 1, 1100).error(), StoreError::kNotFound);
  EXPECT_EQ(refresh().find_legacy(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(refresh().revoke_family(family_id(9), "logout", 1100).error(), StoreError::kNotFound);
  EXPECT_EQ(refresh().revoke_user(user_id(9), "logout", 1100).value(), 0u);
  EXPECT_TRUE(refresh().list(user_id(9))->empty());
  expect_same_family(refresh().find(family_id(1)).value(), make_family(1, 1, 1000));
}

TEST_P(StoreConformance, RefreshRotateMovesTheFamilyToTheNextGeneration) {
  const RefreshFamily f = full_family();  // generation 7, last used 1200
  ASSERT_TRUE(refresh().create(f));
  auto r = refresh().rotate(f.id, 7, 1500);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(r->previous_use, 1200);
  RefreshFamily next = f;
  next.generation = 8;
  next.last_used_at = 1500;
  expect_same_family(r->family, next);
  expect_same_family(refresh().find(f.id).value(), next);  // what rotate() returned

  // The next generation is now the one to present.
  auto again = refresh().rotate(f.id, 8, 1600);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(again->previous_use, 1500);
  EXPECT_EQ(again->family.generation, 9);
  EXPECT_EQ(refresh().list(user_id(1))->front().generation, 9);
}

// The header: a rotation from generation 0 (a legacy family's) is like any other.
TEST_P(StoreConformance, RefreshRotateFromGenerationZero) {
  RefreshFamily f = make_family(1, 1, 1000);
  f.generation = 0;
  ASSERT_TRUE(refresh().create(f));
  EXPECT_EQ(refresh().rotate(f.id, 1, 1100)->outcome, RotateOutcome::kNotIssued);
  auto r = refresh().rotate(f.id, 0, 1100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(r->family.generation, 1);
  EXPECT_EQ(refresh().rotate(f.id, 0, 1200)->outcome, RotateOutcome::kAlreadyUsed);
}

// The header: last_used_at is the latest issue; a rotation called with an earlier `now`
// (another node's clock behind) does not move it back, and nothing but a rotation moves it.
TEST_P(StoreConformance, RefreshLastUseNeverMovesBack) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  auto r = refresh().rotate(family_id(1), 1, 1400);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->family.last_used_at, 1400);
  auto back = refresh().rotate(family_id(1), 2, 1300);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(back->previous_use, 1400);
  EXPECT_EQ(back->family.last_used_at, 1400);
  EXPECT_EQ(back->family.generation, 3);
  // Nor does a reuse, a presentation from the future, or a revocation.
  EXPECT_EQ(refresh().rotate(family_id(1), 1, 1700)->family.last_used_at, 1400);
  EXPECT_EQ(refresh().rotate(family_id(1), 9, 1700)->family.last_used_at, 1400);
  ASSERT_TRUE(refresh().create(make_family(1, 2, 1000)));
  ASSERT_TRUE(refresh().revoke_family(family_id(2), "logout", 1800).value());
  EXPECT_EQ(refresh().find(family_id(2))->last_used_at, 1000);

  // Idle purge: last used at 1400 is not before 1400, and is before 1401.
  EXPECT_EQ(refresh().purge(INT64_MIN, 1000, INT64_MIN).value(), 0u);
  EXPECT_EQ(refresh().purge(INT64_MIN, 1001, INT64_MIN).value(), 1u);  // family 2
  EXPECT_EQ(refresh().purge(INT64_MIN, 1400, INT64_MIN).value(), 0u);
  EXPECT_EQ(refresh().purge(INT64_MIN, 1401, INT64_MIN).value(), 1u);
  for (int n : {1, 2}) EXPECT_EQ(refresh().find(family_id(n)).error(), StoreError::kNotFound);
}

// The header: a backend that reads the family's user in its rotation (postgres/ and sqlite/,
// where users live in the same database) reports it as find_by_id() would, on kRotated only;
// the memory store leaves it to the caller.
TEST_P(StoreConformance, RefreshRotationReportsTheUserItRead) {
  const bool reads = config_.backend != "memory";
  User alice = make_user(1, 500);
  alice.roles = {"admin", "user"};
  alice.disabled = true;
  ASSERT_TRUE(users().create(alice));
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  ASSERT_TRUE(refresh().create(make_family(9, 2, 1000)));  // no user 9

  auto r = refresh().rotate(family_id(1), 1, 1100);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(r->user_read, reads);
  if (reads) {
    ASSERT_TRUE(r->user);
    const User want = users().find_by_id(user_id(1)).value();
    EXPECT_EQ(r->user->id, want.id);
    EXPECT_EQ(r->user->email, want.email);
    EXPECT_EQ(r->user->password_hash, want.password_hash);
    EXPECT_EQ(r->user->roles, want.roles);
    EXPECT_TRUE(r->user->disabled);
    EXPECT_EQ(r->user->created_at, want.created_at);
    EXPECT_EQ(r->user->password_changed_at, want.password_changed_at);
  } else {
    EXPECT_FALSE(r->user);
  }
  auto orphan = refresh().rotate(family_id(2), 1, 1100);
  ASSERT_TRUE(orphan);
  EXPECT_EQ(orphan->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(orphan->user_read, reads);
  EXPECT_FALSE(orphan->user);
  // Not a rotation: nothing read.
  auto again = refresh().rotate(family_id(1), 1, 1200);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, RotateOutcome::kAlreadyUsed);
  EXPECT_FALSE(again->user_read);
  EXPECT_FALSE(again->user);
}

// Reuse of the immediate predecessor and of a generation ten back: both are kAlreadyUsed,
// with the family as it is (enough for the grace rule), and change nothing.
TEST_P(StoreConformance, RefreshEarlierGenerationsAreAlreadyUsedAndChangeNothing) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  ASSERT_NO_FATAL_FAILURE(rotate_up(refresh(), 1, 1, 12, 1500));  // now at 12
  for (std::int64_t earlier : {11, 2, 1, 0}) {
    auto again = refresh().rotate(family_id(1), earlier, 1700);
    ASSERT_TRUE(again) << earlier;
    EXPECT_EQ(again->outcome, RotateOutcome::kAlreadyUsed) << earlier;
    EXPECT_EQ(again->family.generation, 12);
    EXPECT_EQ(again->family.last_used_at, 1500);
    EXPECT_EQ(again->previous_use, 1500);
    EXPECT_EQ(again->family.revoked_at, 0);
  }
  auto after = refresh().find(family_id(1));
  EXPECT_EQ(after->generation, 12);
  EXPECT_EQ(after->last_used_at, 1500);
  EXPECT_EQ(refresh().rotate(family_id(1), 12, 1800)->outcome, RotateOutcome::kRotated);
}

// A generation the family never reached (a database restored from an older backup): refused,
// nothing changes, and the current one still rotates.
TEST_P(StoreConformance, RefreshLaterGenerationIsNotIssuedAndChangesNothing) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  for (std::int64_t later : {std::int64_t{2}, std::int64_t{3}, INT64_MAX}) {
    auto r = refresh().rotate(family_id(1), later, 1100);
    ASSERT_TRUE(r) << later;
    EXPECT_EQ(r->outcome, RotateOutcome::kNotIssued) << later;
    EXPECT_EQ(r->family.generation, 1);
  }
  expect_same_family(refresh().find(family_id(1)).value(), make_family(1, 1, 1000));
  EXPECT_EQ(refresh().rotate(family_id(1), 1, 1200)->outcome, RotateOutcome::kRotated);
}

TEST_P(StoreConformance, RefreshRotateInARevokedFamilyIsFamilyRevokedCheckedFirst) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  ASSERT_NO_FATAL_FAILURE(rotate_up(refresh(), 1, 1, 3, 1500));
  ASSERT_TRUE(refresh().revoke_family(family_id(1), "logout", 1600).value());
  // The current generation, an earlier and a later one: revoked wins over each.
  for (std::int64_t g : {3, 2, 4}) {
    auto r = refresh().rotate(family_id(1), g, 1700);
    ASSERT_TRUE(r) << g;
    EXPECT_EQ(r->outcome, RotateOutcome::kFamilyRevoked) << g;
    EXPECT_EQ(r->family.revoked_at, 1600);
    EXPECT_EQ(r->family.revoked_reason, "logout");
  }
  auto after = refresh().find(family_id(1));
  EXPECT_EQ(after->generation, 3);
  EXPECT_EQ(after->last_used_at, 1500);
}

// The header: 0 means "not yet", so a revocation at time 0 is recorded at 1.
TEST_P(StoreConformance, RefreshStateChangesAtTimeZeroStillCount) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 0)));
  auto r = refresh().rotate(family_id(1), 1, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(r->family.last_used_at, 0);
  EXPECT_TRUE(refresh().revoke_family(family_id(1), "logout", 0).value());
  EXPECT_EQ(refresh().find(family_id(1))->revoked_at, 1);
  EXPECT_TRUE(refresh().list(user_id(1))->empty());
  EXPECT_FALSE(refresh().revoke_family(family_id(1), "again", 0).value());
}

TEST_P(StoreConformance, ConcurrentRotationsOfOneGenerationGiveOneWinner) {
  constexpr int kThreads = 20, kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_NO_FATAL_FAILURE(testing::race_rotations(
        refresh(), [&](int) -> RefreshStore& { return refresh(); }, kThreads, round));
  }
}

// Constant space: 10,000 rotations leave one row per family, and no token rows (counted in
// the backend's own tables where it has them; the memory backend keeps one map entry per
// family by construction, so there the rotations' outcomes are what is checked).
TEST_P(StoreConformance, RefreshRowsPerFamilyStayConstantOver10000Rotations) {
  constexpr std::int64_t kRotations = 10'000;
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  ASSERT_TRUE(refresh().create(make_family(1, 2, 1000)));  // a neighbour, never rotated
  const auto before = testing::refresh_row_counts(config_);
  ASSERT_NO_FATAL_FAILURE(rotate_up(refresh(), 1, 1, 1 + kRotations, 1500));
  const auto after = testing::refresh_row_counts(config_);
  EXPECT_EQ(after, before);
  if (config_.backend != "memory") {
    ASSERT_TRUE(after);
    EXPECT_EQ(after->families, 2);
    EXPECT_EQ(after->legacy_tokens, 0);
  }
  EXPECT_EQ(refresh().find(family_id(1))->generation, 1 + kRotations);
  // The first generation and the predecessor of the current one are both recognised.
  for (std::int64_t g : {std::int64_t{1}, kRotations}) {
    EXPECT_EQ(refresh().rotate(family_id(1), g, 1600)->outcome, RotateOutcome::kAlreadyUsed);
  }
  EXPECT_EQ(refresh().find(family_id(2))->generation, 1);
}

TEST_P(StoreConformance, RefreshRevokeFamilyKeepsTheFirstReason) {
  ASSERT_TRUE(refresh().create(make_family(1, 1, 1000)));
  ASSERT_TRUE(refresh().create(make_family(1, 2, 1001)));
  EXPECT_TRUE(refresh().revoke_family(family_id(1), "reuse", 1500).value());
  auto f = refresh().find(family_id(1));
  EXPECT_EQ(f->revoked_at, 1500);
  EXPECT_EQ(f->revoked_reason, "reuse");

  EXPECT_FALSE(refresh().revoke_family(family_id(1), "logout", 1600).value());
  f = refresh().find(family_id(1));
  EXPECT_EQ(f->revoked_at, 1500);
  EXPECT_EQ(f->revoked_reason, "reuse");
  EXPECT_EQ(f->last_used_at, 1000);  // nothing else changed
  EXPECT_EQ(f->generation, 1);

  EXPECT_EQ(refresh().find(family_id(2))->revoked_at, 0);  // the other family is live
  auto live = refresh().list(user_id(1));
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().id, family_id(2));
}

TEST_P(StoreConformance, RefreshRevokeUserCountsOnlyLiveFamilies) {
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(refresh().create(make_family(1, n, 1000 + n)));
  ASSERT_TRUE(refresh().create(make_family(2, 4, 1000)));
  ASSERT_TRUE(refresh().revoke_family(family_id(2), "reuse", 1100).value());

  EXPECT_EQ(refresh().revoke_user(user_id(1), "password", 1200).value(), 2u);
  EXPECT_EQ(refresh().find(family_id(2))->revoked_reason, "reuse");  // first reason kept
  EXPECT_EQ(refresh().find(family_id(2))->revoked_at, 1100);
  for (int n : {1, 3}) {
    auto f = refresh().find(family_id(n));
    EXPECT_EQ(f->revoked_at, 1200) << n;
    EXPECT_EQ(f->revoked_reason, "password") << n;
  }
  EXPECT_TRUE(refresh().list(user_id(1))->empty());
  EXPECT_EQ(refresh().find(family_id(4))->revoked_at, 0);  // another user's
  EXPECT_EQ(refresh().list(user_id(2))->size(), 1u);
  EXPECT_EQ(refresh().revoke_user(user_id(1), "again", 1300).value(), 0u);
  EXPECT_EQ(refresh().find(family_id(1))->revoked_reason, "password");
}

TEST_P(StoreConformance, RefreshListNewestFirstOnlyLive) {
  EXPECT_TRUE(refresh().list(user_id(1))->empty());
  // (family n, created_at): 2 and 4 share a created_at, then the id decides (descending).
  for (auto [n, at] : std::vector<std::pair<int, std::int64_t>>{
           {1, 300}, {2, 200}, {3, 100}, {4, 200}, {5, 400}}) {
    ASSERT_TRUE(refresh().create(make_family(1, n, at)));
  }
  ASSERT_TRUE(refresh().create(make_family(2, 6, 250)));
  ASSERT_TRUE(refresh().revoke_family(family_id(5), "logout", 500).value());
  auto list = refresh().list(user_id(1));
  ASSERT_TRUE(list);
  std::vector<FamilyId> ids;
  for (const auto& f : *list) {
    ids.push_back(f.id);
    EXPECT_EQ(f.user_id, user_id(1));
    EXPECT_EQ(f.revoked_at, 0);
  }
  EXPECT_EQ(ids, (std::vector<FamilyId>{family_id(1), family_id(4), family_id(2), family_id(3)}));
  expect_same_family(list->front(), make_family(1, 1, 300));
}

TEST_P(StoreConformance, RefreshPurgeByEachCriterion) {
  // (family, created_at, last use: its rotation, revoked_at); bounds: created 200, used 500,
  // revoked 800.
  struct Spec {
    int n;
    std::int64_t created, used, revoked;
    bool purged;
  };
  const std::vector<Spec> specs = {
      {1, 100, 900, 0, true},     // absolute lifetime over
      {2, 200, 900, 0, false},    // exactly at the absolute bound
      {3, 300, 400, 0, true},     // idle
      {4, 300, 500, 0, false},    // exactly at the idle bound
      {5, 300, 900, 700, true},   // revoked long enough ago
      {6, 300, 900, 800, false},  // revoked exactly at the bound
      {7, 300, 900, 850, false},  // revoked recently: kept so a late reuse is recognised
      {8, 300, 900, 0, false},    // live (revoked_at 0 is not "revoked before 800")
  };
  for (const Spec& s : specs) {
    ASSERT_TRUE(refresh().create(make_family(1 + s.n % 2, s.n, s.created)));
    ASSERT_EQ(refresh().rotate(family_id(s.n), 1, s.used)->outcome, RotateOutcome::kRotated);
    if (s.revoked != 0) {
      ASSERT_TRUE(refresh().revoke_family(family_id(s.n), "r", s.revoked));
    }
  }
  EXPECT_EQ(refresh().purge(200, 500, 800).value(), 3u);
  for (const Spec& s : specs) {
    auto found = refresh().find(family_id(s.n));
    if (s.purged) {
      EXPECT_EQ(found.error(), StoreError::kNotFound) << s.n;
      EXPECT_EQ(refresh().rotate(family_id(s.n), 2, 1000).error(), StoreError::kNotFound);
      EXPECT_EQ(refresh().revoke_family(family_id(s.n), "x", 1).error(), StoreError::kNotFound);
    } else {
      EXPECT_TRUE(found) << s.n;
    }
  }
  EXPECT_EQ(refresh().list(user_id(1))->size() + refresh().list(user_id(2))->size(), 3u);
  EXPECT_EQ(refresh().purge(200, 500, 800).value(), 0u);
  // A purged family's id can start again (nothing of it is left).
  EXPECT_TRUE(refresh().create(make_family(1, 1, 1000)));
  EXPECT_EQ(refresh().purge(INT64_MIN, INT64_MIN, INT64_MAX).value(), 2u);  // 6 and 7
  EXPECT_EQ(refresh().purge(INT64_MAX, INT64_MIN, INT64_MIN).value(), 4u);
}

// The header: the first secret offered is kept, whatever later calls offer.
TEST_P(StoreConformance, RefreshTokenSecretIsWrittenOnce) {
  const std::string first(kRefreshSecretBytes, 'a');
  const std::string second(kRefreshSecretBytes, 'b');
  EXPECT_EQ(refresh().token_secret(first).value(), first);
  EXPECT_EQ(refresh().token_secret(second).value(), first);
  // Another process on the same database gets the same one.
  if (config_.backend != "memory") {
    auto other = open_stores(config_);
    ASSERT_TRUE(other) << other.error();
    EXPECT_EQ(other->refresh->token_secret(second).value(), first);
  }
}

// ---- KeyStore --------------------------------------------------------------------------------

void expect_same_keys(const std::vector<SigningKey>& got, const std::vector<SigningKey>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].kid, want[i].kid) << i;
    EXPECT_EQ(got[i].alg, want[i].alg) << i;
    EXPECT_EQ(got[i].state, want[i].state) << i;
    EXPECT_EQ(got[i].public_jwk, want[i].public_jwk) << i;
    EXPECT_EQ(got[i].sealed_private, want[i].sealed_private) << i;
    EXPECT_EQ(got[i].created_at, want[i].created_at) << i;
    EXPECT_EQ(got[i].activated_at, want[i].activated_at) << i;
    EXPECT_EQ(got[i].retired_at, want[i].retired_at) << i;
  }
}

TEST_P(StoreConformance, KeyringStartsEmptyAtVersionZero) {
  auto ring = keys().load();
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->version, 0);
  EXPECT_TRUE(ring->keys.empty());
  EXPECT_EQ(keys().version().value(), 0);
}

TEST_P(StoreConformance, KeyringReplaceRoundTripsEveryFieldInWrittenOrder) {
  // Not in kid order, nor by state, nor by time: the written order is kept.
  std::vector<SigningKey> written = {make_key("k-zeta", KeyState::kRetired, 100),
                                     make_key("k-alpha", KeyState::kActive, 300),
                                     make_key("k-mid", KeyState::kNext, 200)};
  written[1].alg = "EdDSA";
  written[2].public_jwk = "";  // HS* secrets have no public part
  written[2].alg = "HS256";
  EXPECT_EQ(keys().replace(0, written).value(), 1);
  EXPECT_EQ(keys().version().value(), 1);
  auto ring = keys().load();
  ASSERT_TRUE(ring);
  EXPECT_EQ(ring->version, 1);
  expect_same_keys(ring->keys, written);

  // A replacement removes what it leaves out, and may empty the keyring.
  std::vector<SigningKey> fewer = {written[2], written[0]};
  EXPECT_EQ(keys().replace(1, fewer).value(), 2);
  expect_same_keys(keys().load()->keys, fewer);
  EXPECT_EQ(keys().replace(2, {}).value(), 3);
  EXPECT_TRUE(keys().load()->keys.empty());
  EXPECT_EQ(keys().version().value(), 3);
}

TEST_P(StoreConformance, KeyringStaleVersionConflictsAndChangesNothing) {
  const std::vector<SigningKey> first = {make_key("a", KeyState::kActive, 100)};
  ASSERT_EQ(keys().replace(0, first).value(), 1);
  const std::vector<SigningKey> other = {make_key("b", KeyState::kNext, 200)};
  for (std::int64_t stale : {0, 2, -1, 100}) {
    EXPECT_EQ(keys().replace(stale, other).error(), StoreError::kConflict) << stale;
  }
  EXPECT_EQ(keys().version().value(), 1);
  auto ring = keys().load();
  EXPECT_EQ(ring->version, 1);
  expect_same_keys(ring->keys, first);
  EXPECT_EQ(keys().replace(1, other).value(), 2);  // the current version works
}

TEST_P(StoreConformance, KeyringWithARepeatedKidConflictsAndChangesNothing) {
  const std::vector<SigningKey> first = {make_key("a", KeyState::kActive, 100)};
  ASSERT_EQ(keys().replace(0, first).value(), 1);
  EXPECT_EQ(
      keys()
          .replace(1, {make_key("b", KeyState::kActive, 200), make_key("b", KeyState::kNext, 300)})
          .error(),
      StoreError::kConflict);
  EXPECT_EQ(keys().version().value(), 1);
  expect_same_keys(keys().load()->keys, first);
}

TEST_P(StoreConformance, ConcurrentKeyringReplacesGiveOneWinner) {
  constexpr int kThreads = 8;
  ASSERT_EQ(keys().replace(0, {make_key("start", KeyState::kActive, 1)}).value(), 1);
  const auto race = testing::race_one_change(kThreads, [&](int t) {
    auto r = keys().replace(1, {make_key("t" + std::to_string(t), KeyState::kActive, t),
                                make_key("start", KeyState::kRetired, 1)});
    if (r) {
      EXPECT_EQ(*r, 2);
    }
    return r;
  });
  EXPECT_EQ(race.won, 1);
  EXPECT_EQ(race.conflicts, kThreads - 1);
  EXPECT_EQ(race.other, 0);
  auto ring = keys().load();
  EXPECT_EQ(ring->version, 2);
  ASSERT_EQ(ring->keys.size(), 2u);
  EXPECT_EQ(ring->keys[0].kid, "t" + std::to_string(race.winner));  // one writer's keyring whole
  EXPECT_EQ(ring->keys[1].state, KeyState::kRetired);
}

// ---- RevocationStore -------------------------------------------------------------------------

std::vector<RevocationEvent> all_events(RevocationStore& r, std::int64_t after = 0) {
  auto events = r.events_after(after, SIZE_MAX);
  EXPECT_TRUE(events);
  return events ? *events : std::vector<RevocationEvent>{};
}

TEST_P(StoreConformance, DenylistHoldsThroughItsExpiry) {
  EXPECT_FALSE(revocations().is_denied("jti-1", 900).value());
  ASSERT_TRUE(revocations().deny("jti-1", 1000, 900));
  EXPECT_TRUE(revocations().is_denied("jti-1", 900).value());
  EXPECT_TRUE(revocations().is_denied("jti-1", 999).value());
  EXPECT_TRUE(revocations().is_denied("jti-1", 1000).value());  // through the expiry second
  EXPECT_FALSE(revocations().is_denied("jti-1", 1001).value());
  EXPECT_FALSE(revocations().is_denied("jti-2", 900).value());
  EXPECT_FALSE(revocations().is_denied("JTI-1", 900).value());  // exact
  EXPECT_FALSE(revocations().is_denied("", 900).value());
}

TEST_P(StoreConformance, DenyingAgainKeepsTheLaterExpiryAndLogsIt) {
  ASSERT_TRUE(revocations().deny("j", 2000, 100));
  ASSERT_TRUE(revocations().deny("j", 1500, 110));  // earlier: kept at 2000
  EXPECT_TRUE(revocations().is_denied("j", 1900).value());
  EXPECT_TRUE(revocations().is_denied("j", 2000).value());
  ASSERT_TRUE(revocations().deny("j", 2500, 120));  // later: extended
  EXPECT_TRUE(revocations().is_denied("j", 2400).value());
  EXPECT_FALSE(revocations().is_denied("j", 2501).value());

  auto events = all_events(revocations());
  ASSERT_EQ(events.size(), 3u);  // every denial is logged, with the expiry kept
  const std::vector<std::int64_t> kept = {2000, 2000, 2500}, at = {100, 110, 120};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].kind, RevocationEvent::Kind::kDenied);
    EXPECT_EQ(events[i].jti, "j");
    EXPECT_EQ(events[i].expires_at, kept[i]) << i;
    EXPECT_EQ(events[i].at, at[i]) << i;
  }
  auto snap = revocations().snapshot(100);
  ASSERT_EQ(snap->denied.size(), 1u);
  EXPECT_EQ(snap->denied[0].expires_at, 2500);
}

TEST_P(StoreConformance, NotBeforeOnlyRisesAndOnlyRaisesAreLogged) {
  EXPECT_EQ(revocations().not_before(user_id(1)).value(), 0);
  ASSERT_TRUE(revocations().set_not_before(user_id(1), 5'000'500));
  EXPECT_EQ(revocations().not_before(user_id(1)).value(), 5'000'500);
  ASSERT_TRUE(revocations().set_not_before(user_id(1), 4'000'000));  // lower: nothing
  ASSERT_TRUE(revocations().set_not_before(user_id(1), 5'000'500));  // equal: nothing
  EXPECT_EQ(revocations().not_before(user_id(1)).value(), 5'000'500);
  ASSERT_TRUE(revocations().set_not_before(user_id(2), 0));  // no raise over "none"
  ASSERT_TRUE(revocations().set_not_before(user_id(2), -7));
  EXPECT_EQ(revocations().not_before(user_id(2)).value(), 0);
  EXPECT_EQ(all_events(revocations()).size(), 1u);
  EXPECT_TRUE(revocations().snapshot(0)->not_before.size() == 1);

  ASSERT_TRUE(revocations().set_not_before(user_id(1), 6'000'999));
  ASSERT_TRUE(revocations().set_not_before(user_id(2), 7'000'000));
  EXPECT_EQ(revocations().not_before(user_id(1)).value(), 6'000'999);
  EXPECT_EQ(revocations().not_before(user_id(2)).value(), 7'000'000);
  EXPECT_EQ(revocations().not_before(user_id(3)).value(), 0);

  auto events = all_events(revocations());
  ASSERT_EQ(events.size(), 3u);
  const std::vector<std::pair<UserId, std::int64_t>> want = {
      {user_id(1), 5'000'500}, {user_id(1), 6'000'999}, {user_id(2), 7'000'000}};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].kind, RevocationEvent::Kind::kNotBefore);
    EXPECT_EQ(events[i].user, want[i].first) << i;
    EXPECT_EQ(events[i].not_before_ms, want[i].second) << i;
    EXPECT_EQ(events[i].at, want[i].second / 1000) << i;  // logged at the second it names
  }
}

TEST_P(StoreConformance, EventsAfterInOrderWithLimitAndSeqStrictlyIncreasing) {
  EXPECT_TRUE(all_events(revocations()).empty());
  ASSERT_TRUE(revocations().deny("a", 2000, 100));
  ASSERT_TRUE(revocations().set_not_before(user_id(1), 150'000));
  ASSERT_TRUE(revocations().deny("b", 3000, 160));
  ASSERT_TRUE(revocations().set_not_before(user_id(2), 170'000));
  ASSERT_TRUE(revocations().deny("c", 4000, 180));

  auto events = all_events(revocations());
  ASSERT_EQ(events.size(), 5u);
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].seq, events[i - 1].seq);
  EXPECT_GT(events[0].seq, 0);
  EXPECT_EQ(events[0].jti, "a");
  EXPECT_EQ(events[0].expires_at, 2000);
  EXPECT_EQ(events[0].at, 100);
  EXPECT_EQ(events[1].kind, RevocationEvent::Kind::kNotBefore);
  EXPECT_EQ(events[1].user, user_id(1));
  EXPECT_EQ(events[1].not_before_ms, 150'000);
  EXPECT_EQ(events[1].at, 150);
  EXPECT_EQ(events[2].jti, "b");
  EXPECT_EQ(events[3].user, user_id(2));
  EXPECT_EQ(events[4].jti, "c");
  EXPECT_EQ(events[4].expires_at, 4000);

  // Limits, and paging from the last seq seen, visit every event once in order.
  EXPECT_TRUE(revocations().events_after(0, 0)->empty());
  std::vector<std::int64_t> paged;
  std::int64_t after = 0;
  for (;;) {
    auto page = revocations().events_after(after, 2);
    ASSERT_TRUE(page);
    EXPECT_LE(page->size(), 2u);
    if (page->empty()) break;
    for (const auto& e : *page) paged.push_back(e.seq);
    after = page->back().seq;
  }
  std::vector<std::int64_t> seqs;
  for (const auto& e : events) seqs.push_back(e.seq);
  EXPECT_EQ(paged, seqs);
  auto tail = revocations().events_after(events[2].seq, 100);
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].seq, events[3].seq);
  // A position this log never reached (or a negative one): start over from a snapshot.
  EXPECT_EQ(revocations().events_after(events[4].seq + 1, 10).error(), StoreError::kNotFound);
  EXPECT_EQ(revocations().events_after(-1, 10).error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, SnapshotHoldsTheLiveStateAndWhereTheLogWas) {
  auto empty = revocations().snapshot(1000);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->seq, 0);
  EXPECT_TRUE(empty->denied.empty());
  EXPECT_TRUE(empty->not_before.empty());
  EXPECT_TRUE(revocations().events_after(empty->seq, 10)->empty());

  ASSERT_TRUE(revocations().deny("old", 999, 900));
  ASSERT_TRUE(revocations().deny("edge", 1000, 900));
  ASSERT_TRUE(revocations().deny("live", 5000, 900));
  ASSERT_TRUE(revocations().set_not_before(user_id(1), 900'000));
  ASSERT_TRUE(revocations().set_not_before(user_id(2), 950'000));
  auto snap = revocations().snapshot(1000);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->seq, all_events(revocations()).back().seq);
  // Only the cache can lose its state: it says since when the state is complete, the same for
  // as long as it lasts; the others never lost theirs (redis_test.cc loses one).
  if (config_.cache == "redis") {
    EXPECT_GT(empty->complete_since_ms, 0);
    EXPECT_EQ(snap->complete_since_ms, empty->complete_since_ms);
  } else {
    EXPECT_EQ(empty->complete_since_ms, 0);
    EXPECT_EQ(snap->complete_since_ms, 0);
  }
  std::map<std::string, std::int64_t> denied;
  for (const auto& d : snap->denied) denied[d.jti] = d.expires_at;
  EXPECT_EQ(denied, (std::map<std::string, std::int64_t>{{"edge", 1000}, {"live", 5000}}));
  std::map<UserId, std::int64_t> nb;
  for (const auto& n : snap->not_before) nb[n.user] = n.not_before_ms;
  EXPECT_EQ(nb, (std::map<UserId, std::int64_t>{{user_id(1), 900'000}, {user_id(2), 950'000}}));

  // Following the log from the snapshot gives exactly what came after it.
  EXPECT_TRUE(revocations().events_after(snap->seq, 10)->empty());
  ASSERT_TRUE(revocations().deny("later", 6000, 1100));
  auto after = revocations().events_after(snap->seq, 10);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().jti, "later");
}

// Snapshots taken while another thread writes are each consistent: every denial up to the
// snapshot's seq is in it, none after.
TEST_P(StoreConformance, SnapshotIsConsistentUnderConcurrentWrites) {
  constexpr int kDenials = 200;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread writer([&] {
    for (int i = 0; i < kDenials; ++i) {
      if (!revocations().deny("j" + std::to_string(i), 10'000, 1000)) ++failures;
    }
    done = true;
  });
  int snapshots = 0, inconsistent = 0;
  while (!done.load() || snapshots == 0) {
    auto snap = revocations().snapshot(1000);
    if (!snap) {
      ++failures;
      break;
    }
    ++snapshots;
    // One denial per event: as many live entries as events logged, and exactly the first ones.
    std::set<std::string> jtis;
    for (const auto& d : snap->denied) jtis.insert(d.jti);
    bool ok = static_cast<std::int64_t>(jtis.size()) == snap->seq;
    for (std::int64_t i = 0; ok && i < snap->seq; ++i) ok = jtis.contains("j" + std::to_string(i));
    if (!ok) ++inconsistent;
  }
  writer.join();
  EXPECT_EQ(inconsistent, 0);
  EXPECT_EQ(failures, 0);
  EXPECT_GT(snapshots, 0);
  EXPECT_EQ(revocations().snapshot(1000)->seq, kDenials);
}

TEST_P(StoreConformance, RevocationPurgeCountsAndFollowersBehindItMustResnapshot) {
  ASSERT_TRUE(revocations().deny("expired", 500, 100));            // logged at 100
  ASSERT_TRUE(revocations().deny("edge", 1000, 200));              // logged at 200
  ASSERT_TRUE(revocations().deny("live", 5000, 900));              // logged at 900
  ASSERT_TRUE(revocations().set_not_before(user_id(1), 300'000));  // logged at 300
  const auto before = all_events(revocations());
  ASSERT_EQ(before.size(), 4u);

  // Denylist entries expired at 1000 ("expired"; "edge" holds through 1000) and events
  // logged before 250 (the first two).
  EXPECT_EQ(revocations().purge(1000, 250).value(), 1u + 2u);
  EXPECT_FALSE(revocations().is_denied("expired", 400).value());  // the entry is gone
  EXPECT_TRUE(revocations().is_denied("edge", 1000).value());
  EXPECT_TRUE(revocations().is_denied("live", 1000).value());
  EXPECT_EQ(revocations().not_before(user_id(1)).value(), 300'000);  // never purged

  // Behind the purge: kNotFound. From the newest purged event on: the rest, in order.
  EXPECT_EQ(revocations().events_after(0, 10).error(), StoreError::kNotFound);
  EXPECT_EQ(revocations().events_after(before[0].seq, 10).error(), StoreError::kNotFound);
  auto rest = revocations().events_after(before[1].seq, 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].seq, before[2].seq);
  EXPECT_EQ((*rest)[1].seq, before[3].seq);
  auto snap = revocations().snapshot(1000);
  EXPECT_EQ(snap->seq, before[3].seq);
  EXPECT_EQ(snap->denied.size(), 2u);
  EXPECT_EQ(snap->not_before.size(), 1u);
  EXPECT_EQ(revocations().purge(1000, 250).value(), 0u);
}

// purge() goes by when events were logged, which need not follow seq (a not-before names its
// own second): deleting one from the middle still sends followers behind it to a snapshot.
TEST_P(StoreConformance, RevocationPurgeFromTheMiddleOfTheLog) {
  ASSERT_TRUE(revocations().deny("a", 5000, 1000));               // seq 1, at 1000
  ASSERT_TRUE(revocations().set_not_before(user_id(1), 10'000));  // seq 2, at 10
  ASSERT_TRUE(revocations().deny("b", 5000, 1000));               // seq 3, at 1000
  const auto before = all_events(revocations());
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(revocations().purge(0, 500).value(), 1u);
  EXPECT_EQ(revocations().events_after(0, 10).error(), StoreError::kNotFound);
  EXPECT_EQ(revocations().events_after(before[0].seq, 10).error(), StoreError::kNotFound);
  auto rest = revocations().events_after(before[1].seq, 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().jti, "b");
}

TEST_P(StoreConformance, RevocationSeqIsNeverReusedAfterTheLogIsPurgedEmpty) {
  ASSERT_TRUE(revocations().deny("a", 5000, 100));
  ASSERT_TRUE(revocations().deny("b", 5000, 100));
  const std::int64_t last = all_events(revocations()).back().seq;
  EXPECT_EQ(revocations().purge(0, 1000).value(), 2u);
  auto snap = revocations().snapshot(0);
  EXPECT_EQ(snap->seq, last);  // the position survives its events
  EXPECT_EQ(snap->denied.size(), 2u);
  EXPECT_TRUE(revocations().events_after(last, 10)->empty());
  ASSERT_TRUE(revocations().deny("c", 5000, 2000));
  auto next = revocations().events_after(last, 10);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_GT(next->front().seq, last);
  EXPECT_EQ(next->front().jti, "c");
}

TEST_P(StoreConformance, ConcurrentRevocationsGetDistinctIncreasingSeqs) {
  constexpr int kThreads = 4, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const bool ok =
            i % 5 == 0 ? revocations().set_not_before(user_id(t + 1), (i + 1) * 1000).has_value()
                       : revocations()
                             .deny("t" + std::to_string(t) + "-" + std::to_string(i), 9000, 100)
                             .has_value();
        if (!ok) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  auto events = all_events(revocations());
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::int64_t> seqs;
  for (std::size_t i = 0; i < events.size(); ++i) {
    seqs.insert(events[i].seq);
    if (i > 0) {
      EXPECT_GT(events[i].seq, events[i - 1].seq);
    }
  }
  EXPECT_EQ(seqs.size(), events.size());
  EXPECT_EQ(revocations().snapshot(0)->seq, events.back().seq);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(revocations().not_before(user_id(t + 1)).value(), 46'000);  // i = 45: the last
  }
}

// ---- ClientStore -----------------------------------------------------------------------------

// Client ids with their created_at, made in this order, for the lists ordered by created_at,
// then client id: ids that share a created_at order byte for byte (upper case before lower
// case, multi-byte UTF-8 after ASCII, whatever a locale would say), as kIdsInListOrder.
const std::vector<std::pair<std::string, std::int64_t>> kIdsMadeOutOfOrder = {
    {"b", 200},    {"\xc3\xa9t\xc3\xa9", 200},
    {"late", 300}, {"B", 200},
    {"a", 200},    {"first", 100},
    {"A", 200},    {"Z", 200}};
const std::vector<std::string> kIdsInListOrder = {
    "first", "A", "B", "Z", "a", "b", "\xc3\xa9t\xc3\xa9", "late"};

// A client with every field set: lists of several entries out of any sorted order, a name in
// UTF-8, a JWKS, a secret.
Client full_client() {
  return Client{.id = "spa-7f3c",
                .name = "Zoë's Café \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac",  // an em dash, CJK
                .type = ClientType::kConfidential,
                .auth_method = ClientAuthMethod::kPrivateKeyJwt,
                .redirect_uris = {"https://app.example/cb", "https://app.example/a?x=1&y=\"2\"",
                                  "http://127.0.0.1/callback", "com.example.app:/oauth2redirect"},
                .post_logout_redirect_uris = {"https://app.example/bye", "https://app.example/"},
                .grant_types = {"refresh_token", "authorization_code", "client_credentials"},
                .scopes = {"profile", "openid", "email", "offline_access", "sc\xc3\xb4pe"},
                .first_party = true,
                .jwks = R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig",)"
                        R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                        R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})",
                .secret_hash = token(7),
                .created_at = 1000,
                .updated_at = 1200};
}

TEST_P(StoreConformance, ClientRoundTripsEveryField) {
  const Client full = full_client();
  ASSERT_TRUE(clients().create(full));
  auto found = clients().find(full.id);
  ASSERT_TRUE(found);
  expect_same_client(*found, full);

  // The other end: no secret, no JWKS, every list empty, public, not first-party.
  const Client bare{.id = "bare",
                    .name = "",
                    .type = ClientType::kPublic,
                    .auth_method = ClientAuthMethod::kNone,
                    .created_at = 5,
                    .updated_at = 6};
  ASSERT_TRUE(clients().create(bare));
  found = clients().find("bare");
  ASSERT_TRUE(found);
  expect_same_client(*found, bare);
  EXPECT_FALSE(found->secret_hash.has_value());

  // Every auth method and type (each stored by name).
  int n = 10;
  for (ClientType type : {ClientType::kPublic, ClientType::kConfidential}) {
    for (ClientAuthMethod method :
         {ClientAuthMethod::kNone, ClientAuthMethod::kClientSecretBasic,
          ClientAuthMethod::kClientSecretPost, ClientAuthMethod::kPrivateKeyJwt}) {
      Client c = make_client(n++, 2000);
      c.type = type;
      c.auth_method = method;
      ASSERT_TRUE(clients().create(c));
      auto got = clients().find(c.id);
      ASSERT_TRUE(got);
      expect_same_client(*got, c);
    }
  }
}

TEST_P(StoreConformance, ClientDuplicateIdConflictsAndChangesNothing) {
  const Client first = make_client(1, 1000);
  ASSERT_TRUE(clients().create(first));
  Client again = full_client();
  again.id = first.id;
  EXPECT_EQ(clients().create(again).error(), StoreError::kConflict);
  expect_same_client(clients().find(first.id).value(), first);
  EXPECT_EQ(clients().list()->size(), 1u);
}

// Ids are opaque and compared byte for byte.
TEST_P(StoreConformance, ClientIdsAreComparedExactly) {
  Client lower = make_client(1, 1000);
  lower.id = "app";
  ASSERT_TRUE(clients().create(lower));
  for (const char* other : {"App", "app ", " app", "ap", "apps", ""}) {
    EXPECT_EQ(clients().find(other).error(), StoreError::kNotFound) << other;
  }
  Client upper = make_client(2, 1000);
  upper.id = "App";
  EXPECT_TRUE(clients().create(upper));
  EXPECT_EQ(clients().find("App")->name, upper.name);
  EXPECT_EQ(clients().find("app")->name, lower.name);
}

TEST_P(StoreConformance, ClientUnknownIdIsNotFoundAndChangesNothing) {
  EXPECT_TRUE(clients().list()->empty());
  const Client known = make_client(1, 1000);
  ASSERT_TRUE(clients().create(known));
  const Client unknown = make_client(2, 1000);
  EXPECT_EQ(clients().find(unknown.id).error(), StoreError::kNotFound);
  EXPECT_EQ(clients().update(unknown).error(), StoreError::kNotFound);
  EXPECT_EQ(clients().set_secret(unknown.id, token(9), 1500).error(), StoreError::kNotFound);
  EXPECT_EQ(clients().set_secret(unknown.id, std::nullopt, 1500).error(), StoreError::kNotFound);
  EXPECT_EQ(clients().remove(unknown.id).error(), StoreError::kNotFound);
  // Neither an update nor a secret made the unknown client.
  EXPECT_EQ(clients().find(unknown.id).error(), StoreError::kNotFound);
  auto all = clients().list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  expect_same_client(all->front(), known);
}

TEST_P(StoreConformance, ClientUpdateReplacesEveryFieldButIdAndCreatedAt) {
  const Client original = full_client();
  ASSERT_TRUE(clients().create(original));
  const Client neighbour = make_client(1, 1000);
  ASSERT_TRUE(clients().create(neighbour));

  Client changed{.id = original.id,
                 .name = "Renamed",
                 .type = ClientType::kPublic,
                 .auth_method = ClientAuthMethod::kNone,
                 .redirect_uris = {"https://new.example/cb"},
                 .post_logout_redirect_uris = {},
                 .grant_types = {"authorization_code", "refresh_token"},
                 .scopes = {},
                 .first_party = false,
                 .jwks = "",
                 .secret_hash = std::nullopt,
                 .created_at = 99999,  // ignored: created_at is kept
                 .updated_at = 3000};
  ASSERT_TRUE(clients().update(changed));
  Client expected = changed;
  expected.created_at = original.created_at;
  expect_same_client(clients().find(original.id).value(), expected);

  // And back to lists, a JWKS and a secret.
  Client again = original;
  again.scopes = {"b", "a"};
  again.secret_hash = token(8);
  again.updated_at = 4000;
  ASSERT_TRUE(clients().update(again));
  expect_same_client(clients().find(original.id).value(), again);
  // Only that client changed.
  expect_same_client(clients().find(neighbour.id).value(), neighbour);
}

TEST_P(StoreConformance, ClientSetSecretReplacesOrClearsTheHashOnly) {
  const Client original = full_client();
  ASSERT_TRUE(clients().create(original));
  Client expected = original;

  ASSERT_TRUE(clients().set_secret(original.id, token(100), 2000));
  expected.secret_hash = token(100);
  expected.updated_at = 2000;
  expect_same_client(clients().find(original.id).value(), expected);

  ASSERT_TRUE(clients().set_secret(original.id, std::nullopt, 2100));
  expected.secret_hash.reset();
  expected.updated_at = 2100;
  expect_same_client(clients().find(original.id).value(), expected);
  EXPECT_FALSE(clients().find(original.id)->secret_hash.has_value());

  ASSERT_TRUE(clients().set_secret(original.id, token(101), 2200));
  expected.secret_hash = token(101);
  expected.updated_at = 2200;
  expect_same_client(clients().find(original.id).value(), expected);
}

TEST_P(StoreConformance, ClientListOrdersByCreatedThenId) {
  for (const auto& [id, at] : kIdsMadeOutOfOrder) {
    Client c = make_client(1, at);
    c.id = id;
    ASSERT_TRUE(clients().create(c)) << id;
  }
  auto all = clients().list();
  ASSERT_TRUE(all);
  std::vector<std::string> ids;
  for (const Client& c : *all) ids.push_back(c.id);
  EXPECT_EQ(ids, kIdsInListOrder);
  // Whole records, not just ids.
  expect_same_client(all->front(), [] {
    Client c = make_client(1, 100);
    c.id = "first";
    return c;
  }());
  // An update does not move a client (created_at is kept).
  Client moved = all->front();
  moved.created_at = 1000;
  moved.updated_at = 5000;
  ASSERT_TRUE(clients().update(moved));
  EXPECT_EQ(clients().list()->front().id, "first");
}

TEST_P(StoreConformance, ClientRemoveDeletesOne) {
  const Client gone = make_client(1, 1000);
  const Client kept = make_client(2, 1000);
  ASSERT_TRUE(clients().create(gone));
  ASSERT_TRUE(clients().create(kept));
  ASSERT_TRUE(clients().remove(gone.id));
  EXPECT_EQ(clients().find(gone.id).error(), StoreError::kNotFound);
  EXPECT_EQ(clients().remove(gone.id).error(), StoreError::kNotFound);
  EXPECT_EQ(clients().update(gone).error(), StoreError::kNotFound);
  auto all = clients().list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  expect_same_client(all->front(), kept);
  // The id is free again.
  Client reborn = full_client();
  reborn.id = gone.id;
  ASSERT_TRUE(clients().create(reborn));
  expect_same_client(clients().find(gone.id).value(), reborn);
}

// Each thread's client differs in every field but the id.
Client racing_client(int t) {
  Client c = make_client(t + 1, 1000 + t);
  c.id = "race";
  return c;
}

TEST_P(StoreConformance, ConcurrentCreatesOfOneClientIdGiveOneWinner) {
  constexpr int kThreads = 8;
  const auto race =
      testing::race_one_change(kThreads, [&](int t) { return clients().create(racing_client(t)); });
  EXPECT_EQ(race.won, 1);
  EXPECT_EQ(race.conflicts, kThreads - 1);
  EXPECT_EQ(race.other, 0);
  // The winner's client, whole.
  const Client want = racing_client(race.winner);
  expect_same_client(clients().find("race").value(), want);
  EXPECT_EQ(clients().list()->size(), 1u);
}

// ---- AuthorizationCodeStore ------------------------------------------------------------------

// Client `id` (created at 1000), which codes and consents name.
Client client_named(const std::string& id) {
  Client c = make_client(1, 1000);
  c.id = id;
  return c;
}

// A code with every field set: texts in UTF-8 and with the characters a URL and a scope carry,
// redeemed, by a family.
AuthorizationCode full_code() {
  return AuthorizationCode{
      .hash = token(7),
      .client_id = "spa-7f3c",
      .user_id = user_id(3),
      .redirect_uri = "https://app.example/cb?x=1&y=%22two%22#no \xe2\x80\x94 fragment",
      .scope = "openid profile email offline_access sc\xc3\xb4pe",
      .nonce = "n-0S6_WzA2Mj \xe6\x97\xa5\xe6\x9c\xac",
      .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      .auth_time = 990,
      .amr = "pwd otp hwk",
      .created_at = 1000,
      .expires_at = 1060,
      .redeemed_at = 1010,
      .family = family_id(9)};
}

TEST_P(StoreConformance, CodeRoundTripsEveryField) {
  ASSERT_TRUE(clients().create(client_named("spa-7f3c")));
  const AuthorizationCode full = full_code();
  ASSERT_TRUE(codes().create(full));
  auto found = codes().find(full.hash);
  ASSERT_TRUE(found);
  expect_same_code(*found, full);

  // The other end: no nonce, no PKCE, no amr, not redeemed, no family, times at 0.
  const AuthorizationCode bare{.hash = token(8),
                               .client_id = "spa-7f3c",
                               .user_id = user_id(4),
                               .redirect_uri = "http://127.0.0.1/cb",
                               .scope = ""};
  ASSERT_TRUE(codes().create(bare));
  found = codes().find(bare.hash);
  ASSERT_TRUE(found);
  expect_same_code(*found, bare);
  // The first is untouched by the second.
  expect_same_code(codes().find(full.hash).value(), full);
}

TEST_P(StoreConformance, CodeDuplicateHashConflictsAndChangesNothing) {
  ASSERT_TRUE(clients().create(client_named("a")));
  ASSERT_TRUE(clients().create(client_named("b")));
  const AuthorizationCode first = make_code(1, "a", 1, 1000);
  ASSERT_TRUE(codes().create(first));
  AuthorizationCode again = make_code(2, "b", 2, 2000);
  again.hash = first.hash;
  EXPECT_EQ(codes().create(again).error(), StoreError::kConflict);
  EXPECT_EQ(codes().create(first).error(), StoreError::kConflict);
  expect_same_code(codes().find(first.hash).value(), first);
}

TEST_P(StoreConformance, CodeUnknownHashIsNotFoundAndChangesNothing) {
  ASSERT_TRUE(clients().create(client_named("a")));
  const AuthorizationCode known = make_code(1, "a", 1, 1000);
  ASSERT_TRUE(codes().create(known));
  EXPECT_EQ(codes().find(token(2)).error(), StoreError::kNotFound);
  EXPECT_EQ(codes().redeem(token(2), 1010, family_id(1)).error(), StoreError::kNotFound);
  // The redemption made no code, and left the known one alone.
  EXPECT_EQ(codes().find(token(2)).error(), StoreError::kNotFound);
  expect_same_code(codes().find(known.hash).value(), known);
}

// Not in the interface's words (only the consent's put() says so): a code names its client,
// which must exist, as the SQL backends' foreign key has it. Every backend agrees.
TEST_P(StoreConformance, CodeForAnUnknownClientIsNotFoundAndNotStored) {
  ASSERT_TRUE(clients().create(client_named("a")));
  EXPECT_EQ(codes().create(make_code(1, "A", 1, 1000)).error(), StoreError::kNotFound);
  EXPECT_EQ(codes().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(codes().purge(1'000'000).value(), 0u);
}

TEST_P(StoreConformance, CodeRedeemsOnceAndRecordsTheFamily) {
  ASSERT_TRUE(clients().create(client_named("a")));
  const AuthorizationCode code = make_code(1, "a", 1, 1000);
  const AuthorizationCode neighbour = make_code(2, "a", 1, 1000);
  ASSERT_TRUE(codes().create(code));
  ASSERT_TRUE(codes().create(neighbour));

  auto first = codes().redeem(code.hash, 1010, family_id(1));
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  AuthorizationCode redeemed = code;
  redeemed.redeemed_at = 1010;
  redeemed.family = family_id(1);
  expect_same_code(codes().find(code.hash).value(), redeemed);

  // A replay: false, and neither the time nor the family moves.
  auto second = codes().redeem(code.hash, 1020, family_id(2));
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  expect_same_code(codes().find(code.hash).value(), redeemed);
  // Only that code was redeemed.
  expect_same_code(codes().find(neighbour.hash).value(), neighbour);
}

// 0 means "not yet": a redemption at a time <= 0 (a fake clock) is recorded at 1, and counts.
TEST_P(StoreConformance, CodeRedeemedAtZeroOrBeforeIsRecordedAtOne) {
  ASSERT_TRUE(clients().create(client_named("a")));
  int n = 1;
  for (std::int64_t now : {std::int64_t{0}, std::int64_t{-5}}) {
    const AuthorizationCode code = make_code(n++, "a", 1, 1000);
    ASSERT_TRUE(codes().create(code));
    EXPECT_TRUE(codes().redeem(code.hash, now, family_id(1)).value()) << now;
    auto found = codes().find(code.hash);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->redeemed_at, 1) << now;
    EXPECT_EQ(found->family, family_id(1)) << now;
    EXPECT_FALSE(codes().redeem(code.hash, now, family_id(2)).value()) << now;
    EXPECT_EQ(codes().find(code.hash)->family, family_id(1)) << now;
  }
}

// A code created redeemed (every field as given) redeems no more.
TEST_P(StoreConformance, CodeCreatedRedeemedDoesNotRedeemAgain) {
  ASSERT_TRUE(clients().create(client_named("spa-7f3c")));
  const AuthorizationCode full = full_code();
  ASSERT_TRUE(codes().create(full));
  EXPECT_FALSE(codes().redeem(full.hash, 2000, family_id(1)).value());
  expect_same_code(codes().find(full.hash).value(), full);
}

TEST_P(StoreConformance, ConcurrentRedemptionsOfOneCodeGiveOneWinner) {
  constexpr int kThreads = 8;
  ASSERT_TRUE(clients().create(client_named("a")));
  for (int round = 0; round < 5; ++round) {
    const AuthorizationCode code = make_code(round + 1, "a", 1, 1000);
    ASSERT_TRUE(codes().create(code));
    // A call that gets false counts as a conflict: it lost.
    const auto race =
        testing::race_one_change(kThreads, [&](int t) -> std::expected<void, StoreError> {
          auto r = codes().redeem(code.hash, 1010 + t, family_id(t + 1));
          if (!r) return std::unexpected(r.error());
          if (!*r) return std::unexpected(StoreError::kConflict);
          return {};
        });
    EXPECT_EQ(race.won, 1) << "round " << round;
    EXPECT_EQ(race.conflicts, kThreads - 1) << "round " << round;
    EXPECT_EQ(race.other, 0) << "round " << round;
    // The winner's time and family, both from one call.
    ASSERT_GE(race.winner, 0);
    auto found = codes().find(code.hash);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->redeemed_at, 1010 + race.winner) << "round " << round;
    EXPECT_EQ(found->family, family_id(race.winner + 1)) << "round " << round;
  }
}

TEST_P(StoreConformance, CodePurgeDeletesOnlyCodesExpiredBeforeTheBound) {
  ASSERT_TRUE(clients().create(client_named("a")));
  // (n, expires_at, redeemed)
  const std::vector<std::tuple<int, std::int64_t, bool>> made = {{1, 100, false}, {2, 199, true},
                                                                 {3, 200, false}, {4, 200, true},
                                                                 {5, 201, false}, {6, 5000, true}};
  for (const auto& [n, expires_at, redeemed] : made) {
    AuthorizationCode c = make_code(n, "a", 1, 50);
    c.expires_at = expires_at;
    ASSERT_TRUE(codes().create(c));
    if (redeemed) {
      ASSERT_TRUE(codes().redeem(c.hash, 60, family_id(n)).value());
    }
  }
  EXPECT_EQ(codes().purge(200).value(), 2u);  // 100 and 199, redeemed or not
  EXPECT_EQ(codes().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(codes().find(token(2)).error(), StoreError::kNotFound);
  for (int n : {3, 4, 5, 6}) EXPECT_TRUE(codes().find(token(n))) << n;
  EXPECT_EQ(codes().find(token(4))->family, family_id(4));  // kept whole
  EXPECT_EQ(codes().purge(200).value(), 0u);
  EXPECT_EQ(codes().purge(201).value(), 2u);  // 200 (both)
  EXPECT_EQ(codes().purge(5001).value(), 2u);
  for (int n = 1; n <= 6; ++n) {
    EXPECT_EQ(codes().find(token(n)).error(), StoreError::kNotFound) << n;
  }
}

// ---- ConsentStore ----------------------------------------------------------------------------

TEST_P(StoreConformance, ConsentPutFindAndPutAgainKeepsCreatedAt) {
  ASSERT_TRUE(clients().create(client_named("spa-7f3c")));
  const Consent first{.user_id = user_id(1),
                      .client_id = "spa-7f3c",
                      .scope = "openid profile sc\xc3\xb4pe",
                      .created_at = 1000,
                      .updated_at = 1005};
  ASSERT_TRUE(consents().put(first));
  expect_same_consent(consents().find(user_id(1), "spa-7f3c").value(), first);

  // Again: scope and updated_at replaced, created_at kept (the one given now is ignored).
  const Consent again{.user_id = user_id(1),
                      .client_id = "spa-7f3c",
                      .scope = "openid",
                      .created_at = 9000,
                      .updated_at = 2000};
  ASSERT_TRUE(consents().put(again));
  Consent expected = again;
  expected.created_at = first.created_at;
  expect_same_consent(consents().find(user_id(1), "spa-7f3c").value(), expected);
  ASSERT_EQ(consents().list(user_id(1))->size(), 1u);

  // To an empty scope and back.
  expected.scope = "";
  expected.updated_at = 2100;
  ASSERT_TRUE(consents().put(expected));
  expect_same_consent(consents().find(user_id(1), "spa-7f3c").value(), expected);

  // Another user's grant to the same client is its own.
  const Consent other = make_consent(2, "spa-7f3c", 3000);
  ASSERT_TRUE(consents().put(other));
  expect_same_consent(consents().find(user_id(2), "spa-7f3c").value(), other);
  expect_same_consent(consents().find(user_id(1), "spa-7f3c").value(), expected);
}

TEST_P(StoreConformance, ConsentForAnUnknownClientIsNotFoundAndNotStored) {
  ASSERT_TRUE(clients().create(client_named("app")));
  for (const char* unknown : {"App", "app ", "ap", ""}) {
    EXPECT_EQ(consents().put(make_consent(1, unknown, 1000)).error(), StoreError::kNotFound)
        << unknown;
    EXPECT_EQ(consents().find(user_id(1), unknown).error(), StoreError::kNotFound) << unknown;
  }
  EXPECT_TRUE(consents().list(user_id(1))->empty());
  // A removed client is unknown too.
  ASSERT_TRUE(clients().create(client_named("gone")));
  ASSERT_TRUE(clients().remove("gone"));
  EXPECT_EQ(consents().put(make_consent(1, "gone", 1000)).error(), StoreError::kNotFound);
  EXPECT_TRUE(consents().list(user_id(1))->empty());
}

TEST_P(StoreConformance, ConsentUnknownIsNotFound) {
  ASSERT_TRUE(clients().create(client_named("a")));
  ASSERT_TRUE(clients().create(client_named("b")));
  ASSERT_TRUE(consents().put(make_consent(1, "a", 1000)));
  EXPECT_EQ(consents().find(user_id(1), "b").error(), StoreError::kNotFound);
  EXPECT_EQ(consents().find(user_id(2), "a").error(), StoreError::kNotFound);
  EXPECT_EQ(consents().remove(user_id(1), "b").error(), StoreError::kNotFound);
  EXPECT_EQ(consents().remove(user_id(2), "a").error(), StoreError::kNotFound);
  EXPECT_TRUE(consents().list(user_id(2))->empty());
  expect_same_consent(consents().find(user_id(1), "a").value(), make_consent(1, "a", 1000));
}

TEST_P(StoreConformance, ConsentListOrdersByCreatedThenClientIdForThatUserOnly) {
  for (const auto& [id, at] : kIdsMadeOutOfOrder) {
    ASSERT_TRUE(clients().create(client_named(id))) << id;
    ASSERT_TRUE(consents().put(make_consent(1, id, at))) << id;
  }
  // Other users' grants, to the same clients, at times between.
  ASSERT_TRUE(consents().put(make_consent(2, "a", 150)));
  ASSERT_TRUE(consents().put(make_consent(0, "late", 50)));
  // Put again: the order stays by the first grant.
  Consent changed = make_consent(1, "first", 100);
  changed.created_at = 1000;
  changed.updated_at = 5000;
  changed.scope = "openid";
  ASSERT_TRUE(consents().put(changed));

  auto all = consents().list(user_id(1));
  ASSERT_TRUE(all);
  std::vector<std::string> ids;
  for (const Consent& c : *all) {
    EXPECT_EQ(c.user_id, user_id(1));
    ids.push_back(c.client_id);
  }
  EXPECT_EQ(ids, kIdsInListOrder);
  // Whole records, not just ids.
  Consent want_first = changed;
  want_first.created_at = 100;
  expect_same_consent(all->front(), want_first);
  expect_same_consent(all->back(), make_consent(1, "late", 300));

  auto second = consents().list(user_id(2));
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  expect_same_consent(second->front(), make_consent(2, "a", 150));
  EXPECT_TRUE(consents().list(user_id(3))->empty());
}

TEST_P(StoreConformance, ConsentRemoveDeletesOne) {
  ASSERT_TRUE(clients().create(client_named("a")));
  ASSERT_TRUE(clients().create(client_named("b")));
  ASSERT_TRUE(consents().put(make_consent(1, "a", 1000)));
  ASSERT_TRUE(consents().put(make_consent(1, "b", 1100)));
  ASSERT_TRUE(consents().put(make_consent(2, "a", 1200)));
  ASSERT_TRUE(consents().remove(user_id(1), "a"));
  EXPECT_EQ(consents().find(user_id(1), "a").error(), StoreError::kNotFound);
  EXPECT_EQ(consents().remove(user_id(1), "a").error(), StoreError::kNotFound);
  auto left = consents().list(user_id(1));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  expect_same_consent(left->front(), make_consent(1, "b", 1100));
  expect_same_consent(consents().find(user_id(2), "a").value(), make_consent(2, "a", 1200));
  // Granted again: a new grant, with the new created_at.
  ASSERT_TRUE(consents().put(make_consent(1, "a", 3000)));
  expect_same_consent(consents().find(user_id(1), "a").value(), make_consent(1, "a", 3000));
}

// ---- a client's codes and consents go with it -----------------------------------------------

TEST_P(StoreConformance, RemovingAClientDropsItsCodesAndConsents) {
  ASSERT_TRUE(clients().create(client_named("gone")));
  ASSERT_TRUE(clients().create(client_named("kept")));
  ASSERT_TRUE(codes().create(make_code(1, "gone", 1, 1000)));
  ASSERT_TRUE(codes().create(make_code(2, "gone", 2, 1000)));
  ASSERT_TRUE(codes().redeem(token(2), 1010, family_id(2)).value());
  const AuthorizationCode kept_code = make_code(3, "kept", 1, 1000);
  ASSERT_TRUE(codes().create(kept_code));
  ASSERT_TRUE(consents().put(make_consent(1, "gone", 1000)));
  ASSERT_TRUE(consents().put(make_consent(2, "gone", 1000)));
  ASSERT_TRUE(consents().put(make_consent(1, "kept", 1100)));

  ASSERT_TRUE(clients().remove("gone"));
  EXPECT_EQ(codes().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(codes().find(token(2)).error(), StoreError::kNotFound);
  EXPECT_EQ(codes().redeem(token(1), 1020, family_id(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(consents().find(user_id(1), "gone").error(), StoreError::kNotFound);
  EXPECT_EQ(consents().find(user_id(2), "gone").error(), StoreError::kNotFound);
  EXPECT_TRUE(consents().list(user_id(2))->empty());
  // The other client's are untouched.
  expect_same_code(codes().find(kept_code.hash).value(), kept_code);
  auto left = consents().list(user_id(1));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  expect_same_consent(left->front(), make_consent(1, "kept", 1100));
  // Nothing is left of them to purge.
  EXPECT_EQ(codes().purge(1'000'000).value(), 1u);

  // A client created again under the id starts without them.
  ASSERT_TRUE(clients().create(client_named("gone")));
  EXPECT_EQ(codes().find(token(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(consents().find(user_id(1), "gone").error(), StoreError::kNotFound);
}

// ---- CredentialStore: TOTP ---------------------------------------------------------------------

TEST_P(StoreConformance, TotpPendingSecretIsStoredAndReplacedWhilePending) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(users().create(make_user(2, 500)));
  EXPECT_EQ(credentials().find_totp(user_id(1)).error(), StoreError::kNotFound);
  // Sealed bytes, a NUL and a high byte among them, are kept as given.
  const std::string sealed("\x01\0\xfe sealed", 10);
  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), sealed, 1000));
  auto found = credentials().find_totp(user_id(1));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, user_id(1));
  EXPECT_EQ(found->sealed_secret, sealed);
  EXPECT_FALSE(found->confirmed);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->confirmed_at, 0);
  EXPECT_EQ(found->last_step, 0);

  // Enrolling again before confirming replaces the pending secret.
  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), "second", 1100));
  found = credentials().find_totp(user_id(1));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sealed_secret, "second");
  EXPECT_EQ(found->created_at, 1100);
  EXPECT_FALSE(found->confirmed);
  // Another user's is their own.
  EXPECT_EQ(credentials().find_totp(user_id(2)).error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, TotpForAnUnknownUserIsNotFoundAndNotStored) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  EXPECT_EQ(credentials().put_pending_totp(user_id(9), "s", 1000).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().find_totp(user_id(9)).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().confirm_totp(user_id(9), 5, 1000).value(), TotpConfirm::kNoSecret);
  EXPECT_EQ(credentials().use_totp_step(user_id(9), 5).value(), TotpUse::kNoConfirmedSecret);
  EXPECT_EQ(credentials().remove_totp(user_id(9)).error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, TotpConfirmEveryOutcome) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  EXPECT_EQ(credentials().confirm_totp(user_id(1), 100, 1000).value(), TotpConfirm::kNoSecret);
  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), "s", 1000));
  // A step of 0 or below is never accepted (a pending secret's last_step is 0).
  for (std::int64_t step : {std::int64_t{0}, std::int64_t{-1}}) {
    EXPECT_EQ(credentials().confirm_totp(user_id(1), step, 1005).value(), TotpConfirm::kReplayed)
        << step;
    EXPECT_FALSE(credentials().find_totp(user_id(1))->confirmed) << step;
  }
  EXPECT_EQ(credentials().confirm_totp(user_id(1), 100, 1010).value(), TotpConfirm::kConfirmed);
  auto found = credentials().find_totp(user_id(1));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->confirmed);
  EXPECT_EQ(found->confirmed_at, 1010);
  EXPECT_EQ(found->last_step, 100);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->sealed_secret, "s");

  // Confirmed: confirming again changes nothing, nor does a new enrolment (kConflict).
  EXPECT_EQ(credentials().confirm_totp(user_id(1), 200, 1020).value(),
            TotpConfirm::kAlreadyConfirmed);
  EXPECT_EQ(credentials().put_pending_totp(user_id(1), "other", 1030).error(),
            StoreError::kConflict);
  found = credentials().find_totp(user_id(1));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sealed_secret, "s");
  EXPECT_EQ(found->confirmed_at, 1010);
  EXPECT_EQ(found->last_step, 100);
}

// RFC 6238 section 5.2: a code's step is accepted once; the same or an earlier step afterwards
// is refused and changes nothing.
TEST_P(StoreConformance, TotpStepIsAcceptedOnceThenRefusedWithEveryLowerOne) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(users().create(make_user(2, 500)));
  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), "s", 1000));
  // Pending: not a second factor yet.
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 50).value(), TotpUse::kNoConfirmedSecret);
  EXPECT_EQ(credentials().find_totp(user_id(1))->last_step, 0);
  ASSERT_EQ(credentials().confirm_totp(user_id(1), 100, 1000).value(), TotpConfirm::kConfirmed);
  // The confirming code's step is used up.
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 100).value(), TotpUse::kReplayed);
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 101).value(), TotpUse::kAccepted);
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 101).value(), TotpUse::kReplayed);
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 100).value(), TotpUse::kReplayed);
  EXPECT_EQ(credentials().find_totp(user_id(1))->last_step, 101);
  // A later step (drift, or the next code), then an earlier one within the window: refused.
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 103).value(), TotpUse::kAccepted);
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 102).value(), TotpUse::kReplayed);
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 0).value(), TotpUse::kReplayed);
  EXPECT_EQ(credentials().find_totp(user_id(1))->last_step, 103);
  // Another user's steps are their own.
  EXPECT_EQ(credentials().use_totp_step(user_id(2), 103).value(), TotpUse::kNoConfirmedSecret);
  ASSERT_TRUE(credentials().put_pending_totp(user_id(2), "t", 1000));
  ASSERT_EQ(credentials().confirm_totp(user_id(2), 50, 1000).value(), TotpConfirm::kConfirmed);
  EXPECT_EQ(credentials().use_totp_step(user_id(2), 102).value(), TotpUse::kAccepted);
  EXPECT_EQ(credentials().find_totp(user_id(1))->last_step, 103);
}

TEST_P(StoreConformance, ConcurrentUsesOfOneTotpStepAcceptOnce) {
  constexpr int kThreads = 8;
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), "s", 1000));
  ASSERT_EQ(credentials().confirm_totp(user_id(1), 1, 1000).value(), TotpConfirm::kConfirmed);
  for (int round = 0; round < 5; ++round) {
    const std::int64_t step = 1000 + round;
    // A replay counts as a conflict: it lost.
    const auto race =
        testing::race_one_change(kThreads, [&](int) -> std::expected<void, StoreError> {
          auto r = credentials().use_totp_step(user_id(1), step);
          if (!r) return std::unexpected(r.error());
          if (*r == TotpUse::kReplayed) return std::unexpected(StoreError::kConflict);
          if (*r != TotpUse::kAccepted) return std::unexpected(StoreError::kCorrupt);
          return {};
        });
    EXPECT_EQ(race.won, 1) << "round " << round;
    EXPECT_EQ(race.conflicts, kThreads - 1) << "round " << round;
    EXPECT_EQ(race.other, 0) << "round " << round;
    EXPECT_EQ(credentials().find_totp(user_id(1))->last_step, step) << "round " << round;
  }
}

// Pending or confirmed, the secret goes; the recovery codes stay (their own call).
TEST_P(StoreConformance, TotpRemoveDeletesTheSecretOnly) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), "s", 1000));
  ASSERT_TRUE(credentials().remove_totp(user_id(1)));
  EXPECT_EQ(credentials().find_totp(user_id(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().remove_totp(user_id(1)).error(), StoreError::kNotFound);

  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), "s2", 1100));
  ASSERT_EQ(credentials().confirm_totp(user_id(1), 500, 1100).value(), TotpConfirm::kConfirmed);
  const std::vector<RecoveryCodeHash> codes = {recovery_hash(1), recovery_hash(2)};
  ASSERT_TRUE(credentials().replace_recovery_codes(user_id(1), codes, 1100));
  ASSERT_TRUE(credentials().remove_totp(user_id(1)));
  EXPECT_EQ(credentials().use_totp_step(user_id(1), 501).value(), TotpUse::kNoConfirmedSecret);
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 2u);
  // Enrolling anew starts from nothing.
  ASSERT_TRUE(credentials().put_pending_totp(user_id(1), "s3", 1200));
  auto found = credentials().find_totp(user_id(1));
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->confirmed);
  EXPECT_EQ(found->last_step, 0);
  EXPECT_EQ(found->confirmed_at, 0);
}

// A fresh store has no legacy secret (only a database from before 0008 / 0007 can: see the
// upgrade tests of sqlite_test.cc and postgres_test.cc).
TEST_P(StoreConformance, TotpFreshStoreHasNoLegacySecrets) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  auto legacy = credentials().legacy_totp_secrets();
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(legacy->empty());
  EXPECT_EQ(credentials().seal_legacy_totp(user_id(1), "s", 1000).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().find_totp(user_id(1)).error(), StoreError::kNotFound);
}

// ---- CredentialStore: recovery codes ------------------------------------------------------------

TEST_P(StoreConformance, RecoveryCodeIsUsedOnceAndOnlyByItsUser) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(users().create(make_user(2, 500)));
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 0u);
  std::vector<RecoveryCodeHash> ten;
  for (int n = 1; n <= 10; ++n) ten.push_back(recovery_hash(n));
  ASSERT_TRUE(credentials().replace_recovery_codes(user_id(1), ten, 1000));
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 10u);

  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(3), 1100).value(),
            RecoveryCodeUse::kAccepted);
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(3), 1101).value(),
            RecoveryCodeUse::kRefused);
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 9u);
  // Not a code of this user's; another user's use of a code of user 1's.
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(11), 1100).value(),
            RecoveryCodeUse::kRefused);
  EXPECT_EQ(credentials().use_recovery_code(user_id(2), recovery_hash(4), 1100).value(),
            RecoveryCodeUse::kRefused);
  EXPECT_EQ(credentials().use_recovery_code(user_id(9), recovery_hash(4), 1100).value(),
            RecoveryCodeUse::kRefused);
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 9u);
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(2)).value(), 0u);
  // A use at time 0 (a fake clock) still counts.
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(4), 0).value(),
            RecoveryCodeUse::kAccepted);
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(4), 0).value(),
            RecoveryCodeUse::kRefused);
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 8u);
}

TEST_P(StoreConformance, RecoveryCodesReplacedAsAWholeOrNotAtAll) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  const std::vector<RecoveryCodeHash> first = {recovery_hash(1), recovery_hash(2),
                                               recovery_hash(3)};
  ASSERT_TRUE(credentials().replace_recovery_codes(user_id(1), first, 1000));
  ASSERT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(1), 1001).value(),
            RecoveryCodeUse::kAccepted);

  // Refused sets change nothing: a repeated hash, more than ten, an unknown user.
  const std::vector<RecoveryCodeHash> repeated = {recovery_hash(7), recovery_hash(8),
                                                  recovery_hash(7)};
  EXPECT_EQ(credentials().replace_recovery_codes(user_id(1), repeated, 1100).error(),
            StoreError::kConflict);
  std::vector<RecoveryCodeHash> eleven;
  for (int n = 20; n < 31; ++n) eleven.push_back(recovery_hash(n));
  EXPECT_EQ(credentials().replace_recovery_codes(user_id(1), eleven, 1100).error(),
            StoreError::kConflict);
  EXPECT_EQ(credentials().replace_recovery_codes(user_id(9), first, 1100).error(),
            StoreError::kNotFound);
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(9)).value(), 0u);
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 2u);
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(7), 1100).value(),
            RecoveryCodeUse::kRefused);

  // A new set (one code of the old set among it) replaces every old code, used or not: all
  // unused.
  const std::vector<RecoveryCodeHash> second = {recovery_hash(1), recovery_hash(4)};
  ASSERT_TRUE(credentials().replace_recovery_codes(user_id(1), second, 1200));
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 2u);
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(2), 1201).value(),
            RecoveryCodeUse::kRefused);
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(1), 1201).value(),
            RecoveryCodeUse::kAccepted);

  // Removal counts used and unused; an empty set leaves none.
  EXPECT_EQ(credentials().remove_recovery_codes(user_id(1)).value(), 2u);
  EXPECT_EQ(credentials().remove_recovery_codes(user_id(1)).value(), 0u);
  EXPECT_EQ(credentials().use_recovery_code(user_id(1), recovery_hash(4), 1300).value(),
            RecoveryCodeUse::kRefused);
  ASSERT_TRUE(credentials().replace_recovery_codes(user_id(1), second, 1300));
  ASSERT_TRUE(credentials().replace_recovery_codes(user_id(1), {}, 1400));
  EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(), 0u);
  EXPECT_EQ(credentials().remove_recovery_codes(user_id(1)).value(), 0u);
}

TEST_P(StoreConformance, ConcurrentUsesOfOneRecoveryCodeAcceptOnce) {
  constexpr int kThreads = 8, kRounds = 5;
  ASSERT_TRUE(users().create(make_user(1, 500)));
  std::vector<RecoveryCodeHash> codes;
  for (int n = 1; n <= kRounds; ++n) codes.push_back(recovery_hash(n));
  ASSERT_TRUE(credentials().replace_recovery_codes(user_id(1), codes, 1000));
  for (int round = 0; round < kRounds; ++round) {
    const auto race =
        testing::race_one_change(kThreads, [&](int t) -> std::expected<void, StoreError> {
          auto r = credentials().use_recovery_code(user_id(1), recovery_hash(round + 1), 1100 + t);
          if (!r) return std::unexpected(r.error());
          if (*r == RecoveryCodeUse::kRefused) return std::unexpected(StoreError::kConflict);
          return {};
        });
    EXPECT_EQ(race.won, 1) << "round " << round;
    EXPECT_EQ(race.conflicts, kThreads - 1) << "round " << round;
    EXPECT_EQ(race.other, 0) << "round " << round;
    EXPECT_EQ(credentials().remaining_recovery_codes(user_id(1)).value(),
              static_cast<std::size_t>(kRounds - round - 1));
  }
}

// ---- CredentialStore: passkeys ------------------------------------------------------------------

TEST_P(StoreConformance, PasskeyRoundTripsEveryFieldAndListsOldestFirst) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(users().create(make_user(2, 500)));
  Passkey full = testing::make_passkey(5, 1, 1000);
  full.credential_id = std::string(kMaxCredentialIdBytes, '\xc3');  // the longest allowed
  full.sign_count = kMaxSignCount;
  full.transports = {"usb", "nfc", "ble", "smart-card", "hybrid", "internal"};
  full.name = "YubiKey \xe2\x80\x94 bl\xc3\xa5";
  full.backup_eligible = false;
  full.backed_up = true;
  full.last_used_at = 1500;
  ASSERT_TRUE(credentials().add_passkey(full));
  // The other end: no transports, empty name, counter 0, flags false.
  Passkey bare = testing::make_passkey(3, 1, 1000);  // same created_at: ordered by id
  bare.transports.clear();
  bare.name = "";
  bare.backup_eligible = false;
  ASSERT_TRUE(credentials().add_passkey(bare));
  const Passkey older = testing::make_passkey(9, 1, 900);
  ASSERT_TRUE(credentials().add_passkey(older));
  const Passkey others = testing::make_passkey(4, 2, 800);
  ASSERT_TRUE(credentials().add_passkey(others));

  testing::expect_same_passkey(credentials().find_passkey(user_id(1), full.id).value(), full);
  testing::expect_same_passkey(
      credentials().find_passkey_by_credential_id(full.credential_id).value(), full);
  testing::expect_same_passkey(
      credentials().find_passkey_by_credential_id(bare.credential_id).value(), bare);
  auto listed = credentials().list_passkeys(user_id(1));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 3u);
  testing::expect_same_passkey((*listed)[0], older);
  testing::expect_same_passkey((*listed)[1], bare);
  testing::expect_same_passkey((*listed)[2], full);
  auto theirs = credentials().list_passkeys(user_id(2));
  ASSERT_TRUE(theirs);
  ASSERT_EQ(theirs->size(), 1u);
  testing::expect_same_passkey(theirs->front(), others);
  EXPECT_TRUE(credentials().list_passkeys(user_id(3))->empty());

  // Not found: another user's passkey by id, an unknown credential id, a prefix of one.
  EXPECT_EQ(credentials().find_passkey(user_id(2), full.id).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().find_passkey(user_id(1), testing::passkey_id(77)).error(),
            StoreError::kNotFound);
  EXPECT_EQ(credentials().find_passkey_by_credential_id("unknown").error(), StoreError::kNotFound);
  EXPECT_EQ(
      credentials().find_passkey_by_credential_id(testing::credential_id(3).substr(0, 5)).error(),
      StoreError::kNotFound);
}

TEST_P(StoreConformance, PasskeyCredentialIdIsUniqueAcrossUsers) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(users().create(make_user(2, 500)));
  const Passkey first = testing::make_passkey(1, 1, 1000);
  ASSERT_TRUE(credentials().add_passkey(first));
  // The same credential id for another user, and for the same user under another id.
  Passkey stolen = testing::make_passkey(2, 2, 1100);
  stolen.credential_id = first.credential_id;
  EXPECT_EQ(credentials().add_passkey(stolen).error(), StoreError::kConflict);
  Passkey again = testing::make_passkey(3, 1, 1100);
  again.credential_id = first.credential_id;
  EXPECT_EQ(credentials().add_passkey(again).error(), StoreError::kConflict);
  // The same id with another credential id.
  Passkey same_id = testing::make_passkey(1, 2, 1100);
  same_id.credential_id = "fresh";
  EXPECT_EQ(credentials().add_passkey(same_id).error(), StoreError::kConflict);
  // Nothing of them was stored.
  testing::expect_same_passkey(
      credentials().find_passkey_by_credential_id(first.credential_id).value(), first);
  EXPECT_TRUE(credentials().list_passkeys(user_id(2))->empty());
  EXPECT_EQ(credentials().list_passkeys(user_id(1))->size(), 1u);
  EXPECT_EQ(credentials().find_passkey_by_credential_id("fresh").error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, PasskeyBreakingTheFieldRulesOrOfAnUnknownUserIsRefused) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  EXPECT_EQ(credentials().add_passkey(testing::make_passkey(1, 9, 1000)).error(),
            StoreError::kNotFound);
  std::vector<Passkey> bad(4, testing::make_passkey(2, 1, 1000));
  bad[0].credential_id = "";
  bad[1].credential_id = std::string(kMaxCredentialIdBytes + 1, 'x');
  bad[2].sign_count = -1;
  bad[3].sign_count = kMaxSignCount + 1;
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(credentials().add_passkey(bad[i]).error(), StoreError::kConflict) << i;
  }
  // For an unknown user the user is what is missing, whatever else is wrong.
  Passkey both = bad[0];
  both.user_id = user_id(9);
  EXPECT_EQ(credentials().add_passkey(both).error(), StoreError::kNotFound);
  EXPECT_TRUE(credentials().list_passkeys(user_id(1))->empty());
  EXPECT_TRUE(credentials().list_passkeys(user_id(9))->empty());
}

TEST_P(StoreConformance, PasskeyRenameAndRemoveOnlyTheirUsersOwn) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(users().create(make_user(2, 500)));
  Passkey mine = testing::make_passkey(1, 1, 1000);
  const Passkey theirs = testing::make_passkey(2, 2, 1000);
  ASSERT_TRUE(credentials().add_passkey(mine));
  ASSERT_TRUE(credentials().add_passkey(theirs));

  ASSERT_TRUE(credentials().rename_passkey(user_id(1), mine.id, "Laptop \xf0\x9f\x94\x91"));
  mine.name = "Laptop \xf0\x9f\x94\x91";
  testing::expect_same_passkey(credentials().find_passkey(user_id(1), mine.id).value(), mine);
  EXPECT_EQ(credentials().rename_passkey(user_id(1), theirs.id, "mine now").error(),
            StoreError::kNotFound);
  EXPECT_EQ(credentials().remove_passkey(user_id(1), theirs.id).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().rename_passkey(user_id(1), testing::passkey_id(9), "x").error(),
            StoreError::kNotFound);
  testing::expect_same_passkey(credentials().find_passkey(user_id(2), theirs.id).value(), theirs);

  ASSERT_TRUE(credentials().remove_passkey(user_id(1), mine.id));
  EXPECT_EQ(credentials().find_passkey(user_id(1), mine.id).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().find_passkey_by_credential_id(mine.credential_id).error(),
            StoreError::kNotFound);
  EXPECT_EQ(credentials().remove_passkey(user_id(1), mine.id).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().use_passkey(mine.credential_id, 1, false, 2000).error(),
            StoreError::kNotFound);
  // Its credential id is free again.
  Passkey back = testing::make_passkey(3, 2, 3000);
  back.credential_id = mine.credential_id;
  ASSERT_TRUE(credentials().add_passkey(back));
}

// WebAuthn Level 3 section 7.2 step 22: the counter must grow when either count is nonzero; a
// refusal stores nothing.
TEST_P(StoreConformance, PasskeyCounterMustIncreaseUnlessBothAreZero) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  Passkey p = testing::make_passkey(1, 1, 1000);
  ASSERT_TRUE(credentials().add_passkey(p));
  EXPECT_EQ(credentials().use_passkey("unknown", 1, false, 1100).error(), StoreError::kNotFound);

  // 0 and 0: an authenticator without a counter, accepted every time.
  for (std::int64_t now : {1100, 1200}) {
    auto used = credentials().use_passkey(p.credential_id, 0, true, now);
    ASSERT_TRUE(used);
    EXPECT_EQ(used->outcome, PasskeyUseOutcome::kUsed);
    p.backed_up = true;
    p.last_used_at = now;
    testing::expect_same_passkey(used->passkey, p);
  }
  // Up from 0.
  auto used = credentials().use_passkey(p.credential_id, 5, false, 1300);
  ASSERT_TRUE(used);
  EXPECT_EQ(used->outcome, PasskeyUseOutcome::kUsed);
  p.sign_count = 5;
  p.backed_up = false;
  p.last_used_at = 1300;
  testing::expect_same_passkey(used->passkey, p);

  // Equal, lower, back to 0: refused, and nothing changes (backed_up, last_used_at included).
  for (std::int64_t count : {std::int64_t{5}, std::int64_t{4}, std::int64_t{0}}) {
    auto refused = credentials().use_passkey(p.credential_id, count, true, 1400);
    ASSERT_TRUE(refused) << count;
    EXPECT_EQ(refused->outcome, PasskeyUseOutcome::kCounterNotIncreased) << count;
    testing::expect_same_passkey(refused->passkey, p);
    testing::expect_same_passkey(credentials().find_passkey(user_id(1), p.id).value(), p);
  }
  // Up again, by any amount, to the largest.
  used = credentials().use_passkey(p.credential_id, kMaxSignCount, true, 1500);
  ASSERT_TRUE(used);
  EXPECT_EQ(used->outcome, PasskeyUseOutcome::kUsed);
  EXPECT_EQ(used->passkey.sign_count, kMaxSignCount);
  EXPECT_EQ(credentials().use_passkey(p.credential_id, kMaxSignCount, true, 1600)->outcome,
            PasskeyUseOutcome::kCounterNotIncreased);
  EXPECT_EQ(credentials().find_passkey(user_id(1), p.id)->last_used_at, 1500);
}

TEST_P(StoreConformance, ConcurrentUsesOfOnePasskeyCountAcceptOnce) {
  constexpr int kThreads = 8;
  ASSERT_TRUE(users().create(make_user(1, 500)));
  const Passkey p = testing::make_passkey(1, 1, 1000);
  ASSERT_TRUE(credentials().add_passkey(p));
  for (int round = 0; round < 5; ++round) {
    const std::int64_t count = 10 + round;
    const auto race =
        testing::race_one_change(kThreads, [&](int t) -> std::expected<void, StoreError> {
          auto r = credentials().use_passkey(p.credential_id, count, false, 2000 + t);
          if (!r) return std::unexpected(r.error());
          if (r->outcome == PasskeyUseOutcome::kCounterNotIncreased) {
            return std::unexpected(StoreError::kConflict);
          }
          return {};
        });
    EXPECT_EQ(race.won, 1) << "round " << round;
    EXPECT_EQ(race.conflicts, kThreads - 1) << "round " << round;
    EXPECT_EQ(race.other, 0) << "round " << round;
    ASSERT_GE(race.winner, 0);
    auto after = credentials().find_passkey(user_id(1), p.id);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->sign_count, count);
    EXPECT_EQ(after->last_used_at, 2000 + race.winner);  // the winner's, whole
  }
}

// ---- CredentialStore: WebAuthn user handles -----------------------------------------------------

TEST_P(StoreConformance, UserHandleIsStoredOnceAndFindsItsUser) {
  ASSERT_TRUE(users().create(make_user(1, 500)));
  ASSERT_TRUE(users().create(make_user(2, 500)));
  EXPECT_EQ(credentials().user_by_handle(user_handle(1)).error(), StoreError::kNotFound);
  EXPECT_EQ(credentials().user_handle(user_id(1), user_handle(1), 1000).value(), user_handle(1));
  // Later calls return the stored handle, whatever candidate they bring.
  EXPECT_EQ(credentials().user_handle(user_id(1), user_handle(2), 1100).value(), user_handle(1));
  EXPECT_EQ(credentials().user_by_handle(user_handle(1)).value(), user_id(1));
  EXPECT_EQ(credentials().user_by_handle(user_handle(2)).error(), StoreError::kNotFound);

  // Another user's handle as a candidate: refused, nothing stored; a fresh one works.
  EXPECT_EQ(credentials().user_handle(user_id(2), user_handle(1), 1200).error(),
            StoreError::kConflict);
  EXPECT_EQ(credentials().user_handle(user_id(2), user_handle(3), 1200).value(), user_handle(3));
  EXPECT_EQ(credentials().user_by_handle(user_handle(3)).value(), user_id(2));
  EXPECT_EQ(credentials().user_by_handle(user_handle(1)).value(), user_id(1));

  // An unknown user gets none.
  EXPECT_EQ(credentials().user_handle(user_id(9), user_handle(9), 1300).error(),
            StoreError::kNotFound);
  EXPECT_EQ(credentials().user_by_handle(user_handle(9)).error(), StoreError::kNotFound);
}

TEST_P(StoreConformance, ConcurrentFirstUserHandlesAgreeOnOne) {
  constexpr int kThreads = 8;
  for (int user = 1; user <= 3; ++user) {
    ASSERT_TRUE(users().create(make_user(user, 500)));
    std::vector<std::expected<UserHandle, StoreError>> got(kThreads,
                                                           std::unexpected(StoreError::kCorrupt));
    testing::on_threads(kThreads, [&](int t) {
      got[t] = credentials().user_handle(user_id(user), user_handle(user * 100 + t), 1000);
    });
    ASSERT_TRUE(got[0]) << "user " << user;
    for (int t = 0; t < kThreads; ++t) {
      ASSERT_TRUE(got[t]) << "user " << user << " thread " << t;
      EXPECT_EQ(*got[t], *got[0]) << "user " << user << " thread " << t;
    }
    EXPECT_EQ(credentials().user_by_handle(*got[0]).value(), user_id(user));
    for (int t = 0; t < kThreads; ++t) {
      if (user_handle(user * 100 + t) != *got[0]) {
        EXPECT_EQ(credentials().user_by_handle(user_handle(user * 100 + t)).error(),
                  StoreError::kNotFound);
      }
    }
  }
}

// ---- ChangeFeed --------------------------------------------------------------------------------

// Collects the hints a subscription receives; waits for one with a bound (a networked feed
// delivers on its own thread).
class FeedRecorder {
 public:
  ChangeFeed::Listener listener() {
    return [this](ChangeTopic topic, std::string_view payload) {
      std::lock_guard lock(mu_);
      seen_.emplace_back(topic, std::string(payload));
      cv_.notify_all();
    };
  }
  bool wait_for(ChangeTopic topic, std::string_view payload) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] {
      return std::find(seen_.begin(), seen_.end(), std::pair{topic, std::string(payload)}) !=
             seen_.end();
    });
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<ChangeTopic, std::string>> seen_;
};

TEST_P(StoreConformance, ChangeFeedDeliversHintsUntilUnsubscribed) {
  ASSERT_TRUE(stores_.changes);
  FeedRecorder rec;
  auto sub = stores_.changes->subscribe(rec.listener(), [] {});
  ASSERT_TRUE(sub);
  stores_.changes->publish(ChangeTopic::kSession, "ab01");
  EXPECT_TRUE(rec.wait_for(ChangeTopic::kSession, "ab01"));
  sub.reset();
  const std::size_t before = rec.count();
  stores_.changes->publish(ChangeTopic::kRevocation, "");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rec.count(), before) << "a hint reached a listener after it unsubscribed";
}

TEST_P(StoreConformance, KeyringReplaceIsAnnouncedOnTheChangeFeed) {
  FeedRecorder rec;
  auto sub = stores_.changes->subscribe(rec.listener(), [] {});
  auto v = keys().replace(0, {make_key("k1", KeyState::kActive, 100)});
  ASSERT_TRUE(v);
  EXPECT_TRUE(rec.wait_for(ChangeTopic::kKeys, ""));
  // A refused replace changes nothing and announces nothing.
  const std::size_t before = rec.count();
  ASSERT_FALSE(keys().replace(0, {make_key("k2", KeyState::kActive, 100)}));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rec.count(), before);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values("memory", "sqlite", "postgres", "sqlite+redis",
                                           "postgres+redis"),
                         backend_test_name);

}  // namespace
}  // namespace tessera::store
