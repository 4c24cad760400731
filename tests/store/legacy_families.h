// The refresh families a binary from before generations (SQLite 0005, PostgreSQL 0004) left
// behind, written as raw SQL into a database at an older schema version, and what the store
// must make of them once the migrations have run. Both SQL backends' upgrade tests use these,
// each with its own blob literal syntax.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "store/refresh_store.h"
#include "store_test_util.h"

namespace tessera::store::testing {

// Writes `bytes` as an SQL literal of the backend's binary type.
using BlobLiteral = std::function<std::string(std::span<const std::uint8_t>)>;

// INSERT statements: family 1 rotated at 1100 (token 1 used, token 2 current), family 2 never
// rotated (token 3, 900), family 3 revoked at 1000 (token 4). `family_last_used`: the schema
// still has refresh_families.last_used_at (before SQLite 0003 / PostgreSQL 0002), written as
// the last rotation like those binaries did.
inline std::vector<std::string> legacy_family_inserts(const BlobLiteral& blob,
                                                      bool family_last_used) {
  std::vector<std::string> sql;
  for (auto [n, last, revoked] :
       {std::tuple{1, 1100, 0}, std::tuple{2, 900, 0}, std::tuple{3, 900, 1000}}) {
    sql.push_back("INSERT INTO refresh_families VALUES (" + blob(family_id(n)) + ", " +
                  blob(user_id(1)) + ", 900, " +
                  (family_last_used ? std::to_string(last) + ", " : std::string()) +
                  "900, 800, '', '', '192.0.2.1', 'agent', " + std::to_string(revoked) + ", '" +
                  (revoked != 0 ? "logout" : "") + "')");
  }
  sql.push_back("INSERT INTO refresh_tokens VALUES (" + blob(token(1)) + ", " + blob(family_id(1)) +
                ", 900, 1100, " + blob(token(2)) + ", 'sealed'), (" + blob(token(2)) + ", " +
                blob(family_id(1)) + ", 1100, 0, NULL, ''), (" + blob(token(3)) + ", " +
                blob(family_id(2)) + ", 900, 0, NULL, ''), (" + blob(token(4)) + ", " +
                blob(family_id(3)) + ", 900, 0, NULL, '')");
  return sql;
}

// After the upgrade: the families at generation 0 with their last use as it was, every token
// still found (the used one with its successor), the current token's family rotating from 0,
// revocation and purge as before (purge takes the family's tokens with it).
inline void expect_legacy_families_kept(RefreshStore& refresh) {
  auto f1 = refresh.find(family_id(1));
  ASSERT_TRUE(f1);
  EXPECT_EQ(f1->generation, 0);
  EXPECT_EQ(f1->last_used_at, 1100);
  EXPECT_EQ(f1->created_at, 900);
  EXPECT_EQ(f1->user_agent, "agent");
  EXPECT_EQ(f1->amr, "pwd");  // from before amr was kept: a password login
  EXPECT_EQ(refresh.find(family_id(2))->last_used_at, 900);
  EXPECT_EQ(refresh.find(family_id(3))->revoked_reason, "logout");
  EXPECT_EQ(refresh.list(user_id(1))->size(), 2u);

  auto used = refresh.find_legacy(token(1));
  ASSERT_TRUE(used);
  EXPECT_EQ(used->token.used_at, 1100);
  EXPECT_EQ(used->token.successor, token(2));
  EXPECT_EQ(used->token.successor_sealed, "sealed");
  EXPECT_EQ(used->family.id, family_id(1));
  auto current = refresh.find_legacy(token(2));
  ASSERT_TRUE(current);
  EXPECT_EQ(current->token.used_at, 0);
  EXPECT_EQ(current->token.issued_at, 1100);
  EXPECT_EQ(current->family.generation, 0);

  auto r = refresh.rotate(family_id(1), 0, 1200);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(r->previous_use, 1100);
  EXPECT_EQ(r->family.generation, 1);
  EXPECT_EQ(r->family.last_used_at, 1200);
  EXPECT_EQ(refresh.rotate(family_id(1), 0, 1300)->outcome, RotateOutcome::kAlreadyUsed);
  EXPECT_EQ(refresh.find_legacy(token(2))->family.generation, 1);  // its token is past now
  EXPECT_EQ(refresh.rotate(family_id(3), 0, 1300)->outcome, RotateOutcome::kFamilyRevoked);

  EXPECT_EQ(refresh.purge(0, 1000, 0).value(), 2u);  // families 2 and 3, idle since 900
  for (int n : {3, 4}) EXPECT_EQ(refresh.find_legacy(token(n)).error(), StoreError::kNotFound);
  EXPECT_EQ(refresh.find(family_id(2)).error(), StoreError::kNotFound);
  EXPECT_TRUE(refresh.find_legacy(token(1)));
}

}  // namespace tessera::store::testing
