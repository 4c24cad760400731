// The sessions a binary from before "creation order" (SQLite 0004, PostgreSQL 0003) left
// behind, written as raw SQL into a database at the previous schema version, and what the store
// must make of them once the migration has run. Both SQL backends' upgrade tests use these,
// each with its own blob literal syntax (legacy_families.h's BlobLiteral).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "legacy_families.h"
#include "store/session_store.h"
#include "store_test_util.h"

namespace tessera::store::testing {

// Four sessions of user 1 in the old schema. The old rule ordered them (created_at, id_hash):
// token 3 (200), token 4 (200), token 1 (300), token 2 (300), oldest first.
inline std::vector<std::string> legacy_session_inserts(const BlobLiteral& blob) {
  std::vector<std::string> sql;
  const std::string csrf = blob(token(10000));
  for (auto [n, at] : std::vector<std::pair<int, int>>{{1, 300}, {2, 300}, {3, 200}, {4, 200}}) {
    const std::string t = std::to_string(at);
    sql.push_back("INSERT INTO sessions VALUES (" + blob(token(n)) + ", " + blob(user_id(1)) +
                  ", " + t + ", " + t + ", " + t + ", '192.0.2.1', 'old-agent', " + csrf + ")");
  }
  return sql;
}

// After the upgrade: the old order is kept, and a session created now is newer than all of
// them even with an earlier created_at (a clock step back); the cap evicts the oldest by the
// old order.
inline void expect_legacy_sessions_kept(SessionStore& sessions) {
  auto listed = [&] {
    std::vector<TokenHash> out;
    auto list = sessions.list(user_id(1));
    EXPECT_TRUE(list.has_value());
    if (list) {
      for (const Session& s : *list) out.push_back(s.id_hash);
    }
    return out;
  };
  EXPECT_EQ(listed(), (std::vector<TokenHash>{token(2), token(1), token(4), token(3)}));
  // Sessions from before amr was kept were password logins (migration sqlite 0009, postgres
  // 0008).
  EXPECT_EQ(sessions.find(token(1))->amr, "pwd");
  auto evicted = sessions.create(make_session(1, 9, 100), 3);
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(*evicted, 2u);
  EXPECT_EQ(listed(), (std::vector<TokenHash>{token(9), token(2), token(1)}));
}

}  // namespace tessera::store::testing
