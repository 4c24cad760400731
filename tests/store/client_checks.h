// Checks on OAuth client records shared by the store suites: comparing two clients field by
// field (the conformance suite), and the upgrade of a database from before clients (SQLite
// 0006, PostgreSQL 0005), which both SQL backends' upgrade tests run, each with its own blob
// literal syntax (legacy_families.h's BlobLiteral).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "legacy_families.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store::testing {

inline void expect_same_client(const Client& got, const Client& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.name, want.name) << want.id;
  EXPECT_EQ(got.type, want.type) << want.id;
  EXPECT_EQ(got.auth_method, want.auth_method) << want.id;
  EXPECT_EQ(got.redirect_uris, want.redirect_uris) << want.id;
  EXPECT_EQ(got.post_logout_redirect_uris, want.post_logout_redirect_uris) << want.id;
  EXPECT_EQ(got.grant_types, want.grant_types) << want.id;
  EXPECT_EQ(got.scopes, want.scopes) << want.id;
  EXPECT_EQ(got.first_party, want.first_party) << want.id;
  EXPECT_EQ(got.jwks, want.jwks) << want.id;
  EXPECT_EQ(got.secret_hash, want.secret_hash) << want.id;
  EXPECT_EQ(got.created_at, want.created_at) << want.id;
  EXPECT_EQ(got.updated_at, want.updated_at) << want.id;
}

// The rows of a database from before clients: user 1 ("old@example.com", created at 100, every
// other column at its default, which the same statement writes on both backends).
inline std::vector<std::string> pre_clients_inserts(const BlobLiteral& blob) {
  return {"INSERT INTO users (id, email, password_hash, created_at, password_changed_at) VALUES (" +
          blob(user_id(1)) + ", 'old@example.com', '$argon2id$old', 100, 150)"};
}

// After the upgrade: the user is kept, there are no clients yet, and every ClientStore method
// works on the new table.
inline void expect_clients_after_upgrade(Stores& s) {
  auto user = s.users->find_by_email("old@example.com");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->id, user_id(1));
  EXPECT_EQ(user->created_at, 100);
  EXPECT_TRUE(user->roles.empty());

  ASSERT_TRUE(s.clients);
  auto none = s.clients->list();
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());

  Client first = make_client(1, 1000);
  first.redirect_uris = {"https://a.example/cb", "http://127.0.0.1/cb"};
  const Client second = make_client(2, 900);
  ASSERT_TRUE(s.clients->create(first).has_value());
  ASSERT_TRUE(s.clients->create(second).has_value());
  EXPECT_EQ(s.clients->create(first).error(), StoreError::kConflict);
  auto found = s.clients->find(first.id);
  ASSERT_TRUE(found.has_value());
  expect_same_client(*found, first);

  ASSERT_TRUE(s.clients->set_secret(first.id, std::nullopt, 1100).has_value());
  first.secret_hash.reset();
  first.updated_at = 1100;
  first.name = "Renamed";
  ASSERT_TRUE(s.clients->update(first).has_value());
  auto listed = s.clients->list();
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  expect_same_client((*listed)[0], second);
  expect_same_client((*listed)[1], first);

  ASSERT_TRUE(s.clients->remove(second.id).has_value());
  EXPECT_EQ(s.clients->find(second.id).error(), StoreError::kNotFound);
}

}  // namespace tessera::store::testing
