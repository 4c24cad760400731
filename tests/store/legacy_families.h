// The refresh families a binary from before "last use from tokens" (SQLite 0003, PostgreSQL
// 0002) left behind, written as raw SQL into a database at the previous schema version, and
// what the store must read from them once the migration has run. Both SQL backends' upgrade
// tests use these, each with its own blob literal syntax.
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

// INSERT statements for the old schema (refresh_families with its last_used_at column): family
// 1 rotated at 1100 (token 1 used, token 2 current), family 2 never rotated (token 3, 900).
inline std::vector<std::string> legacy_family_inserts(const BlobLiteral& blob) {
  std::vector<std::string> sql;
  for (auto [n, last] : {std::pair{1, 1100}, std::pair{2, 900}}) {
    sql.push_back("INSERT INTO refresh_families VALUES (" + blob(family_id(n)) + ", " +
                  blob(user_id(1)) + ", 900, " + std::to_string(last) +
                  ", 900, 800, '', '', '192.0.2.1', 'agent', 0, '')");
  }
  sql.push_back("INSERT INTO refresh_tokens VALUES (" + blob(token(1)) + ", " + blob(family_id(1)) +
                ", 900, 1100, " + blob(token(2)) + ", 'sealed'), (" + blob(token(2)) + ", " +
                blob(family_id(1)) + ", 1100, 0, NULL, ''), (" + blob(token(3)) + ", " +
                blob(family_id(2)) + ", 900, 0, NULL, '')");
  return sql;
}

// After the upgrade: each family's last use as it was, and the families keep rotating and
// purging by it.
inline void expect_legacy_families_kept(RefreshStore& refresh) {
  EXPECT_EQ(refresh.find(token(1))->family.last_used_at, 1100);
  EXPECT_EQ(refresh.find(token(3))->family.last_used_at, 900);
  auto live = refresh.list(user_id(1));
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ(live->at(0).last_used_at + live->at(1).last_used_at, 2000);
  auto r = refresh.rotate(token(2), make_refresh(4, 1, 1200), "", 1200);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, RotateOutcome::kRotated);
  EXPECT_EQ(r->family.last_used_at, 1200);
  EXPECT_EQ(refresh.purge(0, 1000, 0).value(), 1u);  // family 2, idle since 900
  EXPECT_EQ(refresh.find(token(3)).error(), StoreError::kNotFound);
}

}  // namespace tessera::store::testing
