// The conformance suite of FederatedIdentityStore (store/federated_identity_store.h), run
// against every backend that keeps users: memory, sqlite, postgres (a cache never takes it
// over, so the "+redis" variants would test the same code).
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "conformance_fixture.h"
#include "federation_checks.h"

namespace tessera::store {
namespace {

using testing::identity;
using testing::make_user;
using testing::user_id;

constexpr const char* kIssuer = "https://idp.example";

class FederationConformance : public StoreConformance {
 protected:
  FederatedIdentityStore& federated() { return *stores_.federated_identities; }
  User add_user(int n) {
    User u = make_user(n, 100 + n);
    EXPECT_TRUE(users().create(u));
    return u;
  }
};

TEST_P(FederationConformance, LinkFindListUnlink) {
  add_user(1);
  ASSERT_NO_FATAL_FAILURE(testing::expect_federation_works(stores_, user_id(1)));
}

// One identity, one user: linking it again, to anyone, is kConflict and changes nothing.
TEST_P(FederationConformance, AnIdentityBelongsToOneUser) {
  add_user(1);
  add_user(2);
  ASSERT_TRUE(federated().link(identity(kIssuer, "alice", user_id(1), 10)));
  EXPECT_EQ(federated().link(identity(kIssuer, "alice", user_id(2), 20)).error(),
            StoreError::kConflict);
  EXPECT_EQ(federated().link(identity(kIssuer, "alice", user_id(1), 30)).error(),
            StoreError::kConflict);
  EXPECT_EQ(federated().find(kIssuer, "alice")->user_id, user_id(1));
  EXPECT_EQ(federated().find(kIssuer, "alice")->linked_at, 10);
  EXPECT_TRUE(federated().list(user_id(2))->empty());
  // The same sub at another issuer is another identity; the key is exact (no case folding).
  ASSERT_TRUE(federated().link(identity("https://other.example", "alice", user_id(2), 40)));
  ASSERT_TRUE(federated().link(identity(kIssuer, "Alice", user_id(2), 50)));
  EXPECT_EQ(federated().find(kIssuer, "Alice")->user_id, user_id(2));
}

TEST_P(FederationConformance, LinkingToAMissingUserIsNotFound) {
  EXPECT_EQ(federated().link(identity(kIssuer, "x", user_id(9), 10)).error(),
            StoreError::kNotFound);
  EXPECT_EQ(federated().find(kIssuer, "x").error(), StoreError::kNotFound);
}

// Listed by linked_at, then issuer, then sub (bytewise).
TEST_P(FederationConformance, ListIsOrderedAndPerUser) {
  add_user(1);
  add_user(2);
  ASSERT_TRUE(federated().link(identity("https://b.example", "1", user_id(1), 20)));
  ASSERT_TRUE(federated().link(identity("https://a.example", "2", user_id(1), 20)));
  ASSERT_TRUE(federated().link(identity("https://a.example", "10", user_id(1), 20)));
  ASSERT_TRUE(federated().link(identity("https://z.example", "0", user_id(1), 5)));
  ASSERT_TRUE(federated().link(identity("https://a.example", "9", user_id(2), 1)));
  auto listed = federated().list(user_id(1));
  ASSERT_TRUE(listed);
  std::vector<std::string> got;
  for (const FederatedIdentity& f : *listed) got.push_back(f.issuer + " " + f.sub);
  EXPECT_EQ(got, (std::vector<std::string>{"https://z.example 0", "https://a.example 10",
                                           "https://a.example 2", "https://b.example 1"}));
  EXPECT_TRUE(federated().list(user_id(7))->empty());
}

// Unlink takes only the caller's own identity.
TEST_P(FederationConformance, UnlinkOnlyTheUsersOwn) {
  add_user(1);
  add_user(2);
  ASSERT_TRUE(federated().link(identity(kIssuer, "alice", user_id(1), 10)));
  EXPECT_EQ(federated().unlink(user_id(2), kIssuer, "alice").error(), StoreError::kNotFound);
  EXPECT_EQ(federated().unlink(user_id(1), kIssuer, "bob").error(), StoreError::kNotFound);
  EXPECT_TRUE(federated().find(kIssuer, "alice"));
  ASSERT_TRUE(federated().unlink(user_id(1), kIssuer, "alice"));
  EXPECT_EQ(federated().unlink(user_id(1), kIssuer, "alice").error(), StoreError::kNotFound);
  // Unlinked, it can be linked again (to anyone).
  ASSERT_TRUE(federated().link(identity(kIssuer, "alice", user_id(2), 20)));
}

// create_user commits the user and the identity together, or neither.
TEST_P(FederationConformance, CreateUserIsAllOrNothing) {
  User u = make_user(1, 100);
  u.password_hash.clear();  // a federated user may have no password
  ASSERT_TRUE(federated().create_user(u, identity(kIssuer, "alice", u.id, 100)));
  EXPECT_EQ(users().find_by_id(u.id)->email, u.email);
  EXPECT_EQ(federated().find(kIssuer, "alice")->user_id, u.id);

  // A taken identity: no user is created.
  User v = make_user(2, 200);
  EXPECT_EQ(federated().create_user(v, identity(kIssuer, "alice", v.id, 200)).error(),
            StoreError::kConflict);
  EXPECT_EQ(users().find_by_id(v.id).error(), StoreError::kNotFound);
  // A taken email: no identity is linked.
  User w = make_user(3, 300);
  w.email = u.email;
  EXPECT_EQ(federated().create_user(w, identity(kIssuer, "carol", w.id, 300)).error(),
            StoreError::kConflict);
  EXPECT_EQ(federated().find(kIssuer, "carol").error(), StoreError::kNotFound);
}

// Removing a user takes their identities with them (the cascade); another user's stay.
TEST_P(FederationConformance, IdentitiesGoWithTheirUser) {
  add_user(1);
  add_user(2);
  ASSERT_TRUE(federated().link(identity(kIssuer, "a", user_id(1), 10)));
  ASSERT_TRUE(federated().link(identity(kIssuer, "b", user_id(2), 10)));
  ASSERT_TRUE(users().remove(user_id(1)));
  EXPECT_EQ(federated().find(kIssuer, "a").error(), StoreError::kNotFound);
  EXPECT_TRUE(federated().find(kIssuer, "b"));
  // The freed identity can be linked again.
  ASSERT_TRUE(federated().link(identity(kIssuer, "a", user_id(2), 20)));
}

// Of concurrent links of one identity to different users, exactly one wins.
TEST_P(FederationConformance, ConcurrentLinksOfOneIdentityGiveOneWinner) {
  constexpr int kThreads = 8;
  for (int i = 1; i <= kThreads; ++i) add_user(i);
  std::atomic<int> won{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 1; i <= kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = federated().link(identity(kIssuer, "race", user_id(i), 10));
      if (r) {
        ++won;
      } else if (r.error() == StoreError::kConflict) {
        ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, FederationConformance,
                         ::testing::Values("memory", "sqlite", "postgres"), backend_test_name);

}  // namespace
}  // namespace tessera::store
