// Checks of FederatedIdentityStore shared by the conformance suite and the upgrade tests of
// the SQL backends (a database from before migration sqlite 0012 / postgres 0011).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store::testing {

inline FederatedIdentity identity(std::string issuer, std::string sub, const UserId& user,
                                  std::int64_t linked_at) {
  return FederatedIdentity{.issuer = std::move(issuer),
                           .sub = std::move(sub),
                           .user_id = user,
                           .email = "fed@example.com",
                           .linked_at = linked_at};
}

// The rows of a database from before federated identities: user 1 ("old@example.com"), every
// other column at its default (the same statement on both backends).
template <class BlobLiteral>
std::vector<std::string> pre_federation_inserts(const BlobLiteral& blob) {
  return {"INSERT INTO users (id, email, password_hash, created_at, password_changed_at) VALUES (" +
          blob(user_id(1)) + ", 'old@example.com', '$argon2id$old', 100, 150)"};
}

// Link, find, list and unlink on `s` for the existing user `user`.
inline void expect_federation_works(Stores& s, const UserId& user) {
  FederatedIdentityStore& f = *s.federated_identities;
  ASSERT_TRUE(f.link(identity("https://idp.example", "s-1", user, 500)));
  auto found = f.find("https://idp.example", "s-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, user);
  EXPECT_EQ(found->email, "fed@example.com");
  EXPECT_EQ(found->linked_at, 500);
  auto listed = f.list(user);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  ASSERT_TRUE(f.unlink(user, "https://idp.example", "s-1"));
  EXPECT_EQ(f.find("https://idp.example", "s-1").error(), StoreError::kNotFound);
}

}  // namespace tessera::store::testing
