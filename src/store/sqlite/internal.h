// Shared by the sqlite/ store implementations only.
#pragma once

#include <memory>
#include <string>
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
#include "store/refresh_store.h"
#include "store/revocation_store.h"
#include "store/session_store.h"
#include "store/sqlite/database.h"
#include "store/user_store.h"

namespace tessera::store::sqlite {

std::shared_ptr<UserStore> make_user_store(std::shared_ptr<Database> db);
std::shared_ptr<SessionStore> make_session_store(std::shared_ptr<Database> db);
std::shared_ptr<CounterStore> make_counter_store(std::shared_ptr<Database> db);
std::shared_ptr<AuditStore> make_audit_store(std::shared_ptr<Database> db);
std::shared_ptr<RefreshStore> make_refresh_store(std::shared_ptr<Database> db);
std::shared_ptr<KeyStore> make_key_store(std::shared_ptr<Database> db);
std::shared_ptr<RevocationStore> make_revocation_store(std::shared_ptr<Database> db);
std::shared_ptr<ClientStore> make_client_store(std::shared_ptr<Database> db);
std::shared_ptr<AuthorizationCodeStore> make_authorization_code_store(std::shared_ptr<Database> db);
std::shared_ptr<ConsentStore> make_consent_store(std::shared_ptr<Database> db);
std::shared_ptr<CredentialStore> make_credential_store(std::shared_ptr<Database> db);
std::shared_ptr<OutboxStore> make_outbox_store(std::shared_ptr<Database> db);
std::shared_ptr<AccountTokenStore> make_account_token_store(std::shared_ptr<Database> db);
std::shared_ptr<FederatedIdentityStore> make_federated_identity_store(std::shared_ptr<Database> db);

// Writes that other stores' transactions share (account_token_store.cc commits a user, a token
// and mails together). Both run on `lease` inside the caller's write.
//   insert_user: UserStore::create's INSERT (user_store.cc); a taken id or email: kConflict.
//   insert_mails: OutboxStore::enqueue's INSERTs (outbox_store.cc); the ids in order.
std::expected<void, StoreError> insert_user(Database& db, Database::Lease& lease, const User& user);
// The user `id` as UserStore::find_by_id answers, read on `lease` (so inside the caller's
// transaction: the refresh rotation reads its family's user in its own write).
std::expected<User, StoreError> find_user_in(Database& db, Database::Lease& lease,
                                             const UserId& id);
std::expected<std::vector<MailId>, StoreError> insert_mails(Database& db, Database::Lease& lease,
                                                            std::span<const OutgoingMail> mails,
                                                            std::int64_t now);

// A list of strings as one JSON array (TEXT; the users' roles, the clients' lists), in the
// given order, and back: false unless `text` is a JSON array of strings (the row is corrupt).
// Defined in user_store.cc.
std::string encode_string_list(const std::vector<std::string>& items);
bool decode_string_list(const std::string& text, std::vector<std::string>& out);

// The bytes of `s` for bind_blob(). Never a null pointer: SQLite binds a null pointer as NULL,
// not as an empty BLOB.
inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  static constexpr std::uint8_t kEmpty = 0;
  if (s.empty()) return {&kEmpty, 0};
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

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

// One write statement in its own transaction: `bind(Statement&)` binds it. Returns how many
// rows it changed.
template <typename Bind>
std::expected<std::size_t, StoreError> write_changes(Database& db, std::string_view what,
                                                     std::string_view sql, Bind&& bind) {
  return db.write([&](Database::Lease& lease) -> std::expected<std::size_t, StoreError> {
    auto st = prepare(db, lease, sql);
    if (!st) return std::unexpected(st.error());
    bind(*st);
    if (auto done = run(db, lease, *st, what); !done) return std::unexpected(done.error());
    return static_cast<std::size_t>(lease->changes());
  });
}

// Steps a statement that returns at most one row: true at the row (read it, then let the
// statement go), false if there is none.
inline std::expected<bool, StoreError> step_row(Database& db, Database::Lease& lease, Statement& st,
                                                std::string_view what) {
  const int rc = st.step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(db.fail(lease, rc, what));
}

// Steps an INSERT/UPDATE ... RETURNING <one INTEGER column> that writes exactly one row, and
// finishes it (RETURNING rows all come from the first step; the write is complete only at
// SQLITE_DONE). No row, or not an integer: kCorrupt, reported against `table`.
inline std::expected<std::int64_t, StoreError> returned_integer(Database& db,
                                                                Database::Lease& lease,
                                                                Statement& st,
                                                                std::string_view what,
                                                                std::string_view table) {
  auto found = step_row(db, lease, st, what);
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(db.corrupt(table));
  Row row(st);
  const std::int64_t value = row.integer(0);
  if (!row.ok()) return std::unexpected(db.corrupt(table));
  if (int rc = st.step(); rc != SQLITE_DONE) return std::unexpected(db.fail(lease, rc, what));
  return value;
}

// Steps `st` to its end and decodes every row with `decode(st)` -> std::expected<T,
// StoreError>; the first failure (SQLite's or a row's) is the result.
template <typename T, typename Decode>
std::expected<std::vector<T>, StoreError> collect(Database& db, Database::Lease& lease,
                                                  Statement& st, std::string_view what,
                                                  Decode&& decode) {
  std::vector<T> out;
  for (;;) {
    auto more = step_row(db, lease, st, what);
    if (!more) return std::unexpected(more.error());
    if (!*more) return out;
    auto value = decode(st);
    if (!value) return std::unexpected(value.error());
    out.push_back(std::move(*value));
  }
}

// Binds size_t counts (LIMIT/OFFSET) without wrapping past INT64_MAX.
inline std::int64_t clamp_count(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return static_cast<std::int64_t>(n > kMax ? kMax : n);
}

}  // namespace tessera::store::sqlite
