// Shared by the postgres/ store implementations only: their factories, and the few shapes every
// store call takes (one call, one transaction, decoding rows).
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "store/account_token_store.h"
#include "store/audit_store.h"
#include "store/authorization_code_store.h"
#include "store/client_store.h"
#include "store/consent_store.h"
#include "store/counter_store.h"
#include "store/credential_store.h"
#include "store/federated_identity_store.h"
#include "store/key_store.h"
#include "store/outbox_store.h"
#include "store/postgres/op.h"
#include "store/postgres/pool.h"
#include "store/postgres/wire.h"
#include "store/refresh_store.h"
#include "store/revocation_store.h"
#include "store/session_store.h"
#include "store/user_store.h"

namespace tessera::store::postgres {

std::shared_ptr<UserStore> make_user_store(std::shared_ptr<Pool> pool);
std::shared_ptr<SessionStore> make_session_store(std::shared_ptr<Pool> pool);
std::shared_ptr<CounterStore> make_counter_store(std::shared_ptr<Pool> pool);
std::shared_ptr<AuditStore> make_audit_store(std::shared_ptr<Pool> pool);
std::shared_ptr<RefreshStore> make_refresh_store(std::shared_ptr<Pool> pool);
std::shared_ptr<KeyStore> make_key_store(std::shared_ptr<Pool> pool);
std::shared_ptr<RevocationStore> make_revocation_store(std::shared_ptr<Pool> pool);
std::shared_ptr<ClientStore> make_client_store(std::shared_ptr<Pool> pool);
std::shared_ptr<AuthorizationCodeStore> make_authorization_code_store(std::shared_ptr<Pool> pool);
std::shared_ptr<ConsentStore> make_consent_store(std::shared_ptr<Pool> pool);
std::shared_ptr<CredentialStore> make_credential_store(std::shared_ptr<Pool> pool);
std::shared_ptr<OutboxStore> make_outbox_store(std::shared_ptr<Pool> pool);
std::shared_ptr<AccountTokenStore> make_account_token_store(std::shared_ptr<Pool> pool);
std::shared_ptr<FederatedIdentityStore> make_federated_identity_store(std::shared_ptr<Pool> pool);

// A users row's columns from `col`, in the order id, email, password_hash, roles, disabled,
// created_at, password_changed_at (user_store.cc; rotate() reads them too).
User decode_user(Row& row, int col);

// Writes that other stores' transactions share (account_token_store.cc commits a user, a token
// and mails together), run on `op` inside the caller's transaction.
//   insert_user: UserStore::create's INSERT (user_store.cc); a taken id or email: kConflict.
//   insert_mails: OutboxStore::enqueue's INSERTs (outbox_store.cc); the ids in order.
std::expected<void, StoreError> insert_user(Op& op, const User& user);
std::expected<std::vector<MailId>, StoreError> insert_mails(Op& op,
                                                            std::span<const OutgoingMail> mails,
                                                            std::int64_t now);

// Runs `fn(Op&)` -> std::expected<T, StoreError> as the call `what` (its statements each
// commit on their own unless `fn` begins a transaction).
template <typename F>
auto call(Pool& pool, std::string_view what, F&& fn) -> decltype(fn(std::declval<Op&>())) {
  auto op = Op::start(pool, what);
  if (!op) return std::unexpected(op.error());
  return fn(*op);
}

// Runs `fn(Op&)` -> std::expected<T, StoreError> as the call `what`, inside ONE transaction:
// committed if `fn` succeeds, rolled back if it fails. `fn` may also end the transaction itself
// with op.rollback() (a call that turns out to change nothing) and go on outside it.
template <typename F>
auto transaction(Pool& pool, std::string_view what, F&& fn,
                 Op::Isolation isolation = Op::Isolation::kReadCommitted)
    -> decltype(fn(std::declval<Op&>())) {
  return call(pool, what, [&](Op& op) -> decltype(fn(op)) {
    if (auto begun = op.begin(isolation); !begun) return std::unexpected(begun.error());
    auto result = fn(op);
    if (!result || !op.in_transaction()) return result;  // the Op rolls back a failure
    if (auto committed = op.commit(); !committed) return std::unexpected(committed.error());
    return result;
  });
}

// Runs one INSERT/UPDATE/DELETE on `op`; how many rows it changed.
inline std::expected<std::size_t, StoreError> exec_changes(Op& op, std::string_view sql,
                                                           const Params& params) {
  auto result = op.exec(sql, params);
  if (!result) return std::unexpected(result.error());
  return result->affected();
}

// The same as a call of its own.
inline std::expected<std::size_t, StoreError> changes(Pool& pool, std::string_view what,
                                                      std::string_view sql, const Params& params) {
  return call(pool, what, [&](Op& op) { return exec_changes(op, sql, params); });
}

// The same, for a statement that changes the one row its key names: kNotFound if it changed
// none.
inline std::expected<void, StoreError> change_one(Pool& pool, std::string_view what,
                                                  std::string_view sql, const Params& params) {
  auto changed = changes(pool, what, sql, params);
  if (!changed) return std::unexpected(changed.error());
  if (*changed == 0) return std::unexpected(StoreError::kNotFound);
  return {};
}

// Decodes every row of `result` with `decode(Row&)` -> T (which marks the row corrupt when a
// value breaks a rule of the schema); the first row that does not decode: kCorrupt, reported
// against `table`.
template <typename Decode>
auto decode_rows(Op& op, const Result& result, std::string_view table, Decode&& decode)
    -> std::expected<std::vector<decltype(decode(std::declval<Row&>()))>, StoreError> {
  std::vector<decltype(decode(std::declval<Row&>()))> out;
  out.reserve(static_cast<std::size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i) {
    Row row(result, i);
    auto value = decode(row);
    if (!row.ok()) return std::unexpected(op.corrupt(table));
    out.push_back(std::move(value));
  }
  return out;
}

// The first row of `result` decoded the same way; kNotFound if there is none.
template <typename Decode>
auto decode_first(Op& op, const Result& result, std::string_view table, Decode&& decode)
    -> std::expected<decltype(decode(std::declval<Row&>())), StoreError> {
  if (result.rows() == 0) return std::unexpected(StoreError::kNotFound);
  Row row(result, 0);
  auto value = decode(row);
  if (!row.ok()) return std::unexpected(op.corrupt(table));
  return value;
}

// The one row a statement always returns (INSERT ... RETURNING, the row a migration created),
// decoded the same way; no row is kCorrupt too.
template <typename Decode>
auto decode_single(Op& op, const Result& result, std::string_view table, Decode&& decode)
    -> std::expected<decltype(decode(std::declval<Row&>())), StoreError> {
  if (result.rows() == 0) return std::unexpected(op.corrupt(table));
  return decode_first(op, result, table, decode);
}

// size_t counts (LIMIT, OFFSET) as BIGINT, without wrapping past INT64_MAX.
inline std::int64_t clamp_count(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return static_cast<std::int64_t>(n > kMax ? kMax : n);
}

}  // namespace tessera::store::postgres
