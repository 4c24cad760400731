// CredentialStore on SQLite: the tables of migration 0008 (totp_secrets, recovery_codes,
// passkeys, webauthn_user_handles, totp_legacy_secrets), each row referencing its user.
//
// Every decision that must happen once is ONE conditional UPDATE inside a write transaction
// (Database::write): writes are serialised across threads and processes, so of N concurrent
// calls exactly one changes the row and the others find the condition false. A call that must
// then say why nothing changed reads the row in the same transaction. A constraint refusing an
// INSERT is read the same way: the user missing (the foreign key: kNotFound) or a value taken
// (kConflict).
#include "store/credential_store.h"

#include <algorithm>
#include <string>
#include <vector>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

std::int64_t flag(bool b) { return b ? 1 : 0; }

// Where a user's TOTP secret stands.
enum class TotpState : std::uint8_t { kNone, kPending, kConfirmed };

// A 0/1 column as bool; anything else marks the row corrupt.
bool read_flag(Row& row, int col) {
  const std::int64_t v = row.integer(col);
  if (v != 0 && v != 1) row.mark_corrupt();
  return v == 1;
}

// The columns decode_totp() reads, in this order.
constexpr const char* kFindTotp =
    "SELECT user_id, sealed_secret, confirmed, created_at, confirmed_at, last_step "
    "FROM totp_secrets WHERE user_id = ?1";
// 1 if the user's secret is confirmed, 0 if pending; no row if none.
constexpr const char* kTotpState = "SELECT confirmed FROM totp_secrets WHERE user_id = ?1";
constexpr const char* kUserExists = "SELECT 1 FROM users WHERE id = ?1";

// The columns decode_passkey() reads, in this order.
constexpr std::string_view kPasskeyColumns =
    "id, user_id, credential_id, public_key, sign_count, transports, name, aaguid, "
    "backup_eligible, backed_up, created_at, last_used_at";
const std::string kFindPasskeyByCredential = std::string("SELECT ")
                                                 .append(kPasskeyColumns)
                                                 .append(" FROM passkeys WHERE credential_id = ?1");
const std::string kFindPasskey = std::string("SELECT ")
                                     .append(kPasskeyColumns)
                                     .append(" FROM passkeys WHERE id = ?1 AND user_id = ?2");
const std::string kListPasskeys =
    std::string("SELECT ")
        .append(kPasskeyColumns)
        .append(" FROM passkeys WHERE user_id = ?1 ORDER BY created_at, id");
const std::string kInsertPasskey =
    std::string("INSERT INTO passkeys (")
        .append(kPasskeyColumns)
        .append(") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
// The signature-counter rule (credential_store.h): new > stored, or both 0.
const std::string kUsePasskey =
    std::string(
        "UPDATE passkeys SET sign_count = ?2, backed_up = ?3, last_used_at = ?4 "
        "WHERE credential_id = ?1 AND (sign_count < ?2 OR (sign_count = 0 AND ?2 = 0)) RETURNING ")
        .append(kPasskeyColumns);

std::expected<TotpSecret, StoreError> decode_totp(Database& db, const Statement& st) {
  Row row(st);
  TotpSecret t;
  t.user_id = row.blob<16>(0);
  t.sealed_secret = row.bytes(1);
  t.confirmed = read_flag(row, 2);
  t.created_at = row.integer(3);
  t.confirmed_at = row.integer(4);
  t.last_step = row.integer(5);
  if (t.last_step < 0) row.mark_corrupt();
  if (!row.ok()) return std::unexpected(db.corrupt("totp_secrets"));
  return t;
}

std::expected<Passkey, StoreError> decode_passkey(Database& db, const Statement& st) {
  Row row(st);
  Passkey p;
  p.id = row.blob<16>(0);
  p.user_id = row.blob<16>(1);
  p.credential_id = row.bytes(2);
  p.public_key = row.bytes(3);
  p.sign_count = row.integer(4);
  const std::string transports = row.text(5);
  p.name = row.text(6);
  p.aaguid = row.blob<16>(7);
  p.backup_eligible = read_flag(row, 8);
  p.backed_up = read_flag(row, 9);
  p.created_at = row.integer(10);
  p.last_used_at = row.integer(11);
  if (row.ok() && !decode_string_list(transports, p.transports)) row.mark_corrupt();
  if (row.ok() && !passkey_fields_valid(p)) row.mark_corrupt();
  if (!row.ok()) return std::unexpected(db.corrupt("passkeys"));
  return p;
}

class SqliteCredentialStore final : public CredentialStore {
 public:
  explicit SqliteCredentialStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // ---- TOTP ----

  std::expected<void, StoreError> put_pending_totp(const UserId& user,
                                                   std::string_view sealed_secret,
                                                   std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      // Inserts, or replaces the row only while it is pending.
      auto st =
          prepare(*db_, lease,
                  "INSERT INTO totp_secrets (user_id, sealed_secret, confirmed, created_at, "
                  "confirmed_at, last_step) VALUES (?1, ?2, 0, ?3, 0, 0) "
                  "ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, "
                  "created_at = excluded.created_at, confirmed_at = 0, last_step = 0 "
                  "WHERE totp_secrets.confirmed = 0");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user).bind_blob(2, as_bytes(sealed_secret)).bind(3, now);
      auto done = run(*db_, lease, *st, "credentials.put_pending_totp");
      if (!done) return refused_insert(lease, user, done.error(), "credentials.put_pending_totp");
      if (lease->changes() == 0) return std::unexpected(StoreError::kConflict);  // confirmed
      return {};
    });
  }

  std::expected<TotpConfirm, StoreError> confirm_totp(const UserId& user, std::int64_t step,
                                                      std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<TotpConfirm, StoreError> {
      auto st = prepare(*db_, lease,
                        "UPDATE totp_secrets SET confirmed = 1, confirmed_at = ?3, last_step = ?2 "
                        "WHERE user_id = ?1 AND confirmed = 0 AND last_step < ?2");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user).bind(2, step).bind(3, now);
      if (auto done = run(*db_, lease, *st, "credentials.confirm_totp"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() == 1) return TotpConfirm::kConfirmed;
      auto state = totp_state(lease, user, "credentials.confirm_totp");
      if (!state) return std::unexpected(state.error());
      if (*state == TotpState::kNone) return TotpConfirm::kNoSecret;
      return *state == TotpState::kConfirmed ? TotpConfirm::kAlreadyConfirmed
                                             : TotpConfirm::kReplayed;
    });
  }

  std::expected<TotpSecret, StoreError> find_totp(const UserId& user) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<TotpSecret, StoreError> {
      auto st = prepare(*db_, lease, kFindTotp);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user);
      auto found = step_row(*db_, lease, *st, "credentials.find_totp");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return decode_totp(*db_, *st);
    });
  }

  std::expected<TotpUse, StoreError> use_totp_step(const UserId& user, std::int64_t step) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<TotpUse, StoreError> {
      auto st = prepare(*db_, lease,
                        "UPDATE totp_secrets SET last_step = ?2 "
                        "WHERE user_id = ?1 AND confirmed = 1 AND last_step < ?2");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user).bind(2, step);
      if (auto done = run(*db_, lease, *st, "credentials.use_totp_step"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() == 1) return TotpUse::kAccepted;
      auto state = totp_state(lease, user, "credentials.use_totp_step");
      if (!state) return std::unexpected(state.error());
      return *state == TotpState::kConfirmed ? TotpUse::kReplayed : TotpUse::kNoConfirmedSecret;
    });
  }

  std::expected<void, StoreError> remove_totp(const UserId& user) override {
    auto removed = write_changes(*db_, "credentials.remove_totp",
                                 "DELETE FROM totp_secrets WHERE user_id = ?1",
                                 [&](Statement& st) { st.bind_blob(1, user); });
    if (!removed) return std::unexpected(removed.error());
    if (*removed == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

  std::expected<std::vector<LegacyTotpSecret>, StoreError> legacy_totp_secrets() override {
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<LegacyTotpSecret>, StoreError> {
          auto st = prepare(*db_, lease,
                            "SELECT user_id, plaintext FROM totp_legacy_secrets ORDER BY user_id");
          if (!st) return std::unexpected(st.error());
          return collect<LegacyTotpSecret>(
              *db_, lease, *st, "credentials.legacy_totp_secrets",
              [&](const Statement& s) -> std::expected<LegacyTotpSecret, StoreError> {
                Row row(s);
                LegacyTotpSecret legacy{.user_id = row.blob<16>(0), .plaintext = row.text(1)};
                if (!row.ok()) return std::unexpected(db_->corrupt("totp_legacy_secrets"));
                return legacy;
              });
        });
  }

  std::expected<LegacySeal, StoreError> seal_legacy_totp(const UserId& user,
                                                         std::string_view sealed_secret,
                                                         std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<LegacySeal, StoreError> {
      auto del = prepare(*db_, lease, "DELETE FROM totp_legacy_secrets WHERE user_id = ?1");
      if (!del) return std::unexpected(del.error());
      del->bind_blob(1, user);
      if (auto done = run(*db_, lease, *del, "credentials.seal_legacy_totp"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() == 0) return std::unexpected(StoreError::kNotFound);
      // Inserts, or replaces a pending secret; a confirmed one stays.
      auto put = prepare(*db_, lease,
                         "INSERT INTO totp_secrets (user_id, sealed_secret, confirmed, created_at, "
                         "confirmed_at, last_step) VALUES (?1, ?2, 1, ?3, ?3, 0) "
                         "ON CONFLICT (user_id) DO UPDATE SET sealed_secret = "
                         "excluded.sealed_secret, confirmed = 1, created_at = excluded.created_at, "
                         "confirmed_at = excluded.confirmed_at, last_step = 0 "
                         "WHERE totp_secrets.confirmed = 0");
      if (!put) return std::unexpected(put.error());
      put->bind_blob(1, user).bind_blob(2, as_bytes(sealed_secret)).bind(3, now);
      if (auto done = run(*db_, lease, *put, "credentials.seal_legacy_totp"); !done) {
        return std::unexpected(done.error());
      }
      return lease->changes() == 1 ? LegacySeal::kSealed : LegacySeal::kSuperseded;
    });
  }

  // ---- recovery codes ----

  std::expected<void, StoreError> replace_recovery_codes(const UserId& user,
                                                         std::span<const RecoveryCodeHash> hashes,
                                                         std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto exists = user_exists(lease, user, "credentials.replace_recovery_codes");
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) return std::unexpected(StoreError::kNotFound);
      if (!recovery_code_set_valid(hashes)) return std::unexpected(StoreError::kConflict);
      auto del = prepare(*db_, lease, "DELETE FROM recovery_codes WHERE user_id = ?1");
      if (!del) return std::unexpected(del.error());
      del->bind_blob(1, user);
      if (auto done = run(*db_, lease, *del, "credentials.replace_recovery_codes"); !done) {
        return done;
      }
      for (const RecoveryCodeHash& hash : hashes) {
        auto ins = prepare(*db_, lease,
                           "INSERT INTO recovery_codes (user_id, hash, created_at, used_at) "
                           "VALUES (?1, ?2, ?3, 0)");
        if (!ins) return std::unexpected(ins.error());
        ins->bind_blob(1, user).bind_blob(2, hash).bind(3, now);
        // An error undoes this write's savepoint: the delete too.
        if (auto done = run(*db_, lease, *ins, "credentials.replace_recovery_codes"); !done) {
          return done;
        }
      }
      return {};
    });
  }

  std::expected<RecoveryCodeUse, StoreError> use_recovery_code(const UserId& user,
                                                               const RecoveryCodeHash& hash,
                                                               std::int64_t now) override {
    auto used = write_changes(
        *db_, "credentials.use_recovery_code",
        "UPDATE recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND hash = ?2 AND used_at = 0",
        [&](Statement& st) {
          // 0 means unused, so a use is recorded at 1 or later.
          st.bind_blob(1, user).bind_blob(2, hash).bind(3, std::max<std::int64_t>(now, 1));
        });
    if (!used) return std::unexpected(used.error());
    return *used == 1 ? RecoveryCodeUse::kAccepted : RecoveryCodeUse::kRefused;
  }

  std::expected<std::size_t, StoreError> remaining_recovery_codes(const UserId& user) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<std::size_t, StoreError> {
      auto st = prepare(*db_, lease,
                        "SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at = 0");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user);
      auto found = step_row(*db_, lease, *st, "credentials.remaining_recovery_codes");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(db_->corrupt("recovery_codes"));
      Row row(*st);
      const std::int64_t n = row.integer(0);
      if (!row.ok() || n < 0) return std::unexpected(db_->corrupt("recovery_codes"));
      return static_cast<std::size_t>(n);
    });
  }

  std::expected<std::size_t, StoreError> remove_recovery_codes(const UserId& user) override {
    return write_changes(*db_, "credentials.remove_recovery_codes",
                         "DELETE FROM recovery_codes WHERE user_id = ?1",
                         [&](Statement& st) { st.bind_blob(1, user); });
  }

  // ---- passkeys ----

  std::expected<void, StoreError> add_passkey(const Passkey& p) override {
    const std::string transports = encode_string_list(p.transports);
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto exists = user_exists(lease, p.user_id, "credentials.add_passkey");
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) return std::unexpected(StoreError::kNotFound);
      if (!passkey_fields_valid(p)) return std::unexpected(StoreError::kConflict);
      auto st = prepare(*db_, lease, kInsertPasskey);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, p.id)
          .bind_blob(2, p.user_id)
          .bind_blob(3, as_bytes(p.credential_id))
          .bind_blob(4, as_bytes(p.public_key))
          .bind(5, p.sign_count)
          .bind(6, transports)
          .bind(7, p.name)
          .bind_blob(8, p.aaguid)
          .bind(9, flag(p.backup_eligible))
          .bind(10, flag(p.backed_up))
          .bind(11, p.created_at)
          .bind(12, p.last_used_at);
      return run(*db_, lease, *st, "credentials.add_passkey");  // a taken id: kConflict
    });
  }

  std::expected<Passkey, StoreError> find_passkey_by_credential_id(
      std::string_view credential_id) override {
    return find_passkey_where(kFindPasskeyByCredential,
                              [&](Statement& st) { st.bind_blob(1, as_bytes(credential_id)); });
  }

  std::expected<Passkey, StoreError> find_passkey(const UserId& user,
                                                  const PasskeyId& id) override {
    return find_passkey_where(kFindPasskey,
                              [&](Statement& st) { st.bind_blob(1, id).bind_blob(2, user); });
  }

  std::expected<std::vector<Passkey>, StoreError> list_passkeys(const UserId& user) override {
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<Passkey>, StoreError> {
          auto st = prepare(*db_, lease, kListPasskeys);
          if (!st) return std::unexpected(st.error());
          st->bind_blob(1, user);
          return collect<Passkey>(*db_, lease, *st, "credentials.list_passkeys",
                                  [&](const Statement& s) { return decode_passkey(*db_, s); });
        });
  }

  std::expected<void, StoreError> rename_passkey(const UserId& user, const PasskeyId& id,
                                                 std::string_view name) override {
    return change_one("credentials.rename_passkey",
                      "UPDATE passkeys SET name = ?3 WHERE id = ?1 AND user_id = ?2",
                      [&](Statement& st) { st.bind_blob(1, id).bind_blob(2, user).bind(3, name); });
  }

  std::expected<void, StoreError> remove_passkey(const UserId& user, const PasskeyId& id) override {
    return change_one("credentials.remove_passkey",
                      "DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2",
                      [&](Statement& st) { st.bind_blob(1, id).bind_blob(2, user); });
  }

  std::expected<PasskeyUse, StoreError> use_passkey(std::string_view credential_id,
                                                    std::int64_t sign_count, bool backed_up,
                                                    std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<PasskeyUse, StoreError> {
      auto st = prepare(*db_, lease, kUsePasskey);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, as_bytes(credential_id))
          .bind(2, sign_count)
          .bind(3, flag(backed_up))
          .bind(4, now);
      auto updated = step_row(*db_, lease, *st, "credentials.use_passkey");
      if (!updated) return std::unexpected(updated.error());
      if (*updated) {
        auto after = decode_passkey(*db_, *st);
        if (!after) return std::unexpected(after.error());
        // The write is complete only at SQLITE_DONE.
        if (int rc = st->step(); rc != SQLITE_DONE) {
          return std::unexpected(db_->fail(lease, rc, "credentials.use_passkey"));
        }
        return PasskeyUse{.outcome = PasskeyUseOutcome::kUsed, .passkey = std::move(*after)};
      }
      // Nothing changed: the counter did not increase, or no such credential.
      auto find = prepare(*db_, lease, kFindPasskeyByCredential);
      if (!find) return std::unexpected(find.error());
      find->bind_blob(1, as_bytes(credential_id));
      auto found = step_row(*db_, lease, *find, "credentials.use_passkey");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      auto current = decode_passkey(*db_, *find);
      if (!current) return std::unexpected(current.error());
      return PasskeyUse{.outcome = PasskeyUseOutcome::kCounterNotIncreased,
                        .passkey = std::move(*current)};
    });
  }

  // ---- WebAuthn user handle ----

  // Read, then insert if absent, in one write transaction (serialised with every other write,
  // so two racing calls cannot both insert).
  std::expected<UserHandle, StoreError> user_handle(const UserId& user,
                                                    const UserHandle& candidate_if_new,
                                                    std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<UserHandle, StoreError> {
      auto stored = handle_of(lease, user);
      if (!stored) return std::unexpected(stored.error());
      if (*stored) return **stored;
      auto st = prepare(*db_, lease,
                        "INSERT INTO webauthn_user_handles (user_id, handle, created_at) "
                        "VALUES (?1, ?2, ?3)");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user).bind_blob(2, candidate_if_new).bind(3, now);
      auto done = run(*db_, lease, *st, "credentials.user_handle");
      if (!done) {
        auto why = refused_insert(lease, user, done.error(), "credentials.user_handle");
        return std::unexpected(why.error());
      }
      return candidate_if_new;
    });
  }

  std::expected<UserId, StoreError> user_by_handle(const UserHandle& handle) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<UserId, StoreError> {
      auto st = prepare(*db_, lease, "SELECT user_id FROM webauthn_user_handles WHERE handle = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, handle);
      auto found = step_row(*db_, lease, *st, "credentials.user_by_handle");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      Row row(*st);
      const UserId id = row.blob<16>(0);
      if (!row.ok()) return std::unexpected(db_->corrupt("webauthn_user_handles"));
      return id;
    });
  }

 private:
  // Whether the user exists, read on `lease` (inside the caller's write).
  std::expected<bool, StoreError> user_exists(Database::Lease& lease, const UserId& user,
                                              std::string_view what) {
    auto st = prepare(*db_, lease, kUserExists);
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, user);
    return step_row(*db_, lease, *st, what);
  }

  // An INSERT for `user` failed with `error`: a constraint (kConflict) is the user missing
  // (the foreign key: kNotFound) if there is no such user, else a value taken (kConflict).
  std::expected<void, StoreError> refused_insert(Database::Lease& lease, const UserId& user,
                                                 StoreError error, std::string_view what) {
    if (error != StoreError::kConflict) return std::unexpected(error);
    auto exists = user_exists(lease, user, what);
    if (!exists) return std::unexpected(exists.error());
    return std::unexpected(*exists ? StoreError::kConflict : StoreError::kNotFound);
  }

  // Where the user's secret stands, read on `lease`.
  std::expected<TotpState, StoreError> totp_state(Database::Lease& lease, const UserId& user,
                                                  std::string_view what) {
    auto st = prepare(*db_, lease, kTotpState);
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, user);
    auto found = step_row(*db_, lease, *st, what);
    if (!found) return std::unexpected(found.error());
    if (!*found) return TotpState::kNone;
    Row row(*st);
    const bool confirmed = read_flag(row, 0);
    if (!row.ok()) return std::unexpected(db_->corrupt("totp_secrets"));
    return confirmed ? TotpState::kConfirmed : TotpState::kPending;
  }

  // The user's handle if stored, on `lease`.
  std::expected<std::optional<UserHandle>, StoreError> handle_of(Database::Lease& lease,
                                                                 const UserId& user) {
    auto st = prepare(*db_, lease, "SELECT handle FROM webauthn_user_handles WHERE user_id = ?1");
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, user);
    auto found = step_row(*db_, lease, *st, "credentials.user_handle");
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::optional<UserHandle>();
    Row row(*st);
    const UserHandle handle = row.blob<32>(0);
    if (!row.ok()) return std::unexpected(db_->corrupt("webauthn_user_handles"));
    return std::optional<UserHandle>(handle);
  }

  template <typename Bind>
  std::expected<Passkey, StoreError> find_passkey_where(std::string_view sql, Bind&& bind) {
    return db_->read([&](Database::Lease& lease) -> std::expected<Passkey, StoreError> {
      auto st = prepare(*db_, lease, sql);
      if (!st) return std::unexpected(st.error());
      bind(*st);
      auto found = step_row(*db_, lease, *st, "credentials.find_passkey");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return decode_passkey(*db_, *st);
    });
  }

  // One statement that changes the one row its key names: kNotFound if it changed none.
  template <typename Bind>
  std::expected<void, StoreError> change_one(std::string_view what, std::string_view sql,
                                             Bind&& bind) {
    auto changed = write_changes(*db_, what, sql, std::forward<Bind>(bind));
    if (!changed) return std::unexpected(changed.error());
    if (*changed == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<CredentialStore> make_credential_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteCredentialStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
