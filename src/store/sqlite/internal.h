// Shared by the sqlite/ store implementations only.
#pragma once

#include <memory>
#include <string_view>

#include "store/audit_store.h"
#include "store/counter_store.h"
#include "store/session_store.h"
#include "store/sqlite/database.h"
#include "store/user_store.h"

namespace tessera::store::sqlite {

std::shared_ptr<UserStore> make_user_store(std::shared_ptr<Database> db);
std::shared_ptr<SessionStore> make_session_store(std::shared_ptr<Database> db);
std::shared_ptr<CounterStore> make_counter_store(std::shared_ptr<Database> db);
std::shared_ptr<AuditStore> make_audit_store(std::shared_ptr<Database> db);

// The cached statement for `sql` on `lease`'s connection; a failure is reported via db.fail.
inline std::expected<Statement, StoreError> prepare(Database& db, Database::Lease& lease,
                                                    std::string_view sql) {
  auto st = lease->prepare(sql);
  if (!st) return std::unexpected(db.fail(lease, st.error(), "prepare"));
  return std::move(*st);
}

// Steps a statement that returns no rows (INSERT/UPDATE/DELETE without RETURNING).
inline std::expected<void, StoreError> run(Database& db, Database::Lease& lease, Statement& st,
                                           std::string_view what) {
  if (int rc = st.step(); rc != SQLITE_DONE) return std::unexpected(db.fail(lease, rc, what));
  return {};
}

// Binds size_t counts (LIMIT/OFFSET) without wrapping past INT64_MAX.
inline std::int64_t clamp_count(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return static_cast<std::int64_t>(n > kMax ? kMax : n);
}

}  // namespace tessera::store::sqlite
