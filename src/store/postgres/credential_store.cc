// CredentialStore on PostgreSQL: the tables of migration 0007 (totp_secrets, recovery_codes,
// passkeys, webauthn_user_handles, totp_legacy_secrets), each row referencing its user.
//
// Every decision that must happen once, on any number of nodes, is ONE conditional UPDATE
// (use_totp_step, confirm_totp, use_recovery_code, use_passkey): concurrent UPDATEs of a row
// queue on its lock, and each re-checks its WHERE on the version the one before committed
// (READ COMMITTED), so exactly one changes it. A call that must then say why nothing changed
// reads the row afterwards; the UPDATE's verdict stands whatever that read sees. A constraint
// refusing an INSERT is the user missing (the foreign key: kNotFound) if there is no such user,
// else a value taken (kConflict).
#include "store/credential_store.h"

#include <string>
#include <vector>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

constexpr std::string_view kFindTotp =
    "SELECT user_id, sealed_secret, confirmed, created_at, confirmed_at, last_step "
    "FROM totp_secrets WHERE user_id = $1";
constexpr std::string_view kTotpState = "SELECT confirmed FROM totp_secrets WHERE user_id = $1";
constexpr std::string_view kUserExists = "SELECT 1 FROM users WHERE id = $1";
constexpr std::string_view kHandleOf =
    "SELECT handle FROM webauthn_user_handles WHERE user_id = $1";

// The columns decode_passkey() reads, in this order.
constexpr std::string_view kPasskeyColumns =
    "id, user_id, credential_id, public_key, sign_count, transports, name, aaguid, "
    "backup_eligible, backed_up, created_at, last_used_at";
const std::string kFindPasskeyByCredential = std::string("SELECT ")
                                                 .append(kPasskeyColumns)
                                                 .append(" FROM passkeys WHERE credential_id = $1");
const std::string kFindPasskey = std::string("SELECT ")
                                     .append(kPasskeyColumns)
                                     .append(" FROM passkeys WHERE id = $1 AND user_id = $2");
const std::string kListPasskeys =
    std::string("SELECT ")
        .append(kPasskeyColumns)
        .append(" FROM passkeys WHERE user_id = $1 ORDER BY created_at, id");
const std::string kInsertPasskey =
    std::string("INSERT INTO passkeys (")
        .append(kPasskeyColumns)
        .append(") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
// The signature-counter rule (credential_store.h): new > stored, or both 0.
const std::string kUsePasskey =
    std::string(
        "UPDATE passkeys SET sign_count = $2, backed_up = $3, last_used_at = $4 "
        "WHERE credential_id = $1 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0)) "
        "RETURNING ")
        .append(kPasskeyColumns);

TotpSecret decode_totp(Row& row) {
  TotpSecret t;
  t.user_id = row.blob<16>(0);
  t.sealed_secret = row.bytes(1);
  t.confirmed = row.boolean(2);
  t.created_at = row.integer(3);
  t.confirmed_at = row.integer(4);
  t.last_step = row.integer(5);
  if (t.last_step < 0) row.mark_corrupt();
  return t;
}

Passkey decode_passkey(Row& row) {
  Passkey p;
  p.id = row.blob<16>(0);
  p.user_id = row.blob<16>(1);
  p.credential_id = row.bytes(2);
  p.public_key = row.bytes(3);
  p.sign_count = row.integer(4);
  p.transports = row.text_array(5);
  p.name = row.text(6);
  p.aaguid = row.blob<16>(7);
  p.backup_eligible = row.boolean(8);
  p.backed_up = row.boolean(9);
  p.created_at = row.integer(10);
  p.last_used_at = row.integer(11);
  if (row.ok() && !passkey_fields_valid(p)) row.mark_corrupt();
  return p;
}

// Whether the user exists, on `op`.
std::expected<bool, StoreError> user_exists(Op& op, const UserId& user) {
  auto result = op.exec(kUserExists, Params().bytea(user));
  if (!result) return std::unexpected(result.error());
  return result->rows() != 0;
}

// A statement for `user` failed with `error` (outside a transaction, so `op` still works): a
// constraint (kConflict) is the user missing (kNotFound) if there is no such user, else a value
// taken (kConflict).
StoreError refused_insert(Op& op, const UserId& user, StoreError error) {
  if (error != StoreError::kConflict) return error;
  auto exists = user_exists(op, user);
  if (!exists) return exists.error();
  return *exists ? StoreError::kConflict : StoreError::kNotFound;
}

// Where the user's TOTP secret stands.
enum class TotpState : std::uint8_t { kNone, kPending, kConfirmed };

std::expected<TotpState, StoreError> totp_state(Op& op, const UserId& user) {
  auto result = op.exec(kTotpState, Params().bytea(user));
  if (!result) return std::unexpected(result.error());
  if (result->rows() == 0) return TotpState::kNone;
  auto confirmed =
      decode_first(op, *result, "totp_secrets", [](Row& row) { return row.boolean(0); });
  if (!confirmed) return std::unexpected(confirmed.error());
  return *confirmed ? TotpState::kConfirmed : TotpState::kPending;
}

// The user's handle if stored.
std::expected<std::optional<UserHandle>, StoreError> handle_of(Op& op, const UserId& user) {
  auto result = op.exec(kHandleOf, Params().bytea(user));
  if (!result) return std::unexpected(result.error());
  if (result->rows() == 0) return std::optional<UserHandle>();
  auto handle =
      decode_first(op, *result, "webauthn_user_handles", [](Row& row) { return row.blob<32>(0); });
  if (!handle) return std::unexpected(handle.error());
  return std::optional<UserHandle>(*handle);
}

class PostgresCredentialStore final : public CredentialStore {
 public:
  explicit PostgresCredentialStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  // ---- TOTP ----

  std::expected<void, StoreError> put_pending_totp(const UserId& user,
                                                   std::string_view sealed_secret,
                                                   std::int64_t now) override {
    return call(*pool_, "credentials.put_pending_totp",
                [&](Op& op) -> std::expected<void, StoreError> {
                  // Inserts, or replaces the row only while it is pending.
                  auto put = exec_changes(
                      op,
                      "INSERT INTO totp_secrets (user_id, sealed_secret, confirmed, created_at, "
                      "confirmed_at, last_step) VALUES ($1, $2, FALSE, $3, 0, 0) "
                      "ON CONFLICT (user_id) DO UPDATE SET sealed_secret = "
                      "excluded.sealed_secret, created_at = excluded.created_at, "
                      "confirmed_at = 0, last_step = 0 WHERE NOT totp_secrets.confirmed",
                      Params().bytea(user).bytea(sealed_secret).int8(now));
                  if (!put) return std::unexpected(refused_insert(op, user, put.error()));
                  if (*put == 0) return std::unexpected(StoreError::kConflict);  // confirmed
                  return {};
                });
  }

  std::expected<TotpConfirm, StoreError> confirm_totp(const UserId& user, std::int64_t step,
                                                      std::int64_t now) override {
    return call(
        *pool_, "credentials.confirm_totp", [&](Op& op) -> std::expected<TotpConfirm, StoreError> {
          auto changed =
              exec_changes(op,
                           "UPDATE totp_secrets SET confirmed = TRUE, confirmed_at = $3, "
                           "last_step = $2 WHERE user_id = $1 AND NOT confirmed AND last_step < $2",
                           Params().bytea(user).int8(step).int8(now));
          if (!changed) return std::unexpected(changed.error());
          if (*changed == 1) return TotpConfirm::kConfirmed;
          auto state = totp_state(op, user);
          if (!state) return std::unexpected(state.error());
          if (*state == TotpState::kNone) return TotpConfirm::kNoSecret;
          return *state == TotpState::kConfirmed ? TotpConfirm::kAlreadyConfirmed
                                                 : TotpConfirm::kReplayed;
        });
  }

  std::expected<TotpSecret, StoreError> find_totp(const UserId& user) override {
    return call(*pool_, "credentials.find_totp",
                [&](Op& op) -> std::expected<TotpSecret, StoreError> {
                  auto result = op.exec(kFindTotp, Params().bytea(user));
                  if (!result) return std::unexpected(result.error());
                  return decode_first(op, *result, "totp_secrets", decode_totp);
                });
  }

  std::expected<TotpUse, StoreError> use_totp_step(const UserId& user, std::int64_t step) override {
    return call(
        *pool_, "credentials.use_totp_step", [&](Op& op) -> std::expected<TotpUse, StoreError> {
          auto changed = exec_changes(op,
                                      "UPDATE totp_secrets SET last_step = $2 "
                                      "WHERE user_id = $1 AND confirmed AND last_step < $2",
                                      Params().bytea(user).int8(step));
          if (!changed) return std::unexpected(changed.error());
          if (*changed == 1) return TotpUse::kAccepted;
          auto state = totp_state(op, user);
          if (!state) return std::unexpected(state.error());
          return *state == TotpState::kConfirmed ? TotpUse::kReplayed : TotpUse::kNoConfirmedSecret;
        });
  }

  std::expected<void, StoreError> remove_totp(const UserId& user) override {
    return change_one(*pool_, "credentials.remove_totp",
                      "DELETE FROM totp_secrets WHERE user_id = $1", Params().bytea(user));
  }

  std::expected<std::vector<LegacyTotpSecret>, StoreError> legacy_totp_secrets() override {
    return call(*pool_, "credentials.legacy_totp_secrets",
                [&](Op& op) -> std::expected<std::vector<LegacyTotpSecret>, StoreError> {
                  auto result = op.exec(
                      "SELECT user_id, plaintext FROM totp_legacy_secrets ORDER BY user_id");
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "totp_legacy_secrets", [](Row& row) {
                    return LegacyTotpSecret{.user_id = row.blob<16>(0), .plaintext = row.text(1)};
                  });
                });
  }

  // One transaction: the legacy row's DELETE locks it, so of two racing calls for one user the
  // second finds it gone (kNotFound).
  std::expected<LegacySeal, StoreError> seal_legacy_totp(const UserId& user,
                                                         std::string_view sealed_secret,
                                                         std::int64_t now) override {
    return transaction(
        *pool_, "credentials.seal_legacy_totp",
        [&](Op& op) -> std::expected<LegacySeal, StoreError> {
          auto deleted = exec_changes(op, "DELETE FROM totp_legacy_secrets WHERE user_id = $1",
                                      Params().bytea(user));
          if (!deleted) return std::unexpected(deleted.error());
          if (*deleted == 0) return std::unexpected(StoreError::kNotFound);
          // Inserts, or replaces a pending secret; a confirmed one stays.
          auto put = exec_changes(
              op,
              "INSERT INTO totp_secrets (user_id, sealed_secret, confirmed, created_at, "
              "confirmed_at, last_step) VALUES ($1, $2, TRUE, $3, $3, 0) "
              "ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, "
              "confirmed = TRUE, created_at = excluded.created_at, "
              "confirmed_at = excluded.confirmed_at, last_step = 0 "
              "WHERE NOT totp_secrets.confirmed",
              Params().bytea(user).bytea(sealed_secret).int8(now));
          if (!put) return std::unexpected(put.error());
          return *put == 1 ? LegacySeal::kSealed : LegacySeal::kSuperseded;
        });
  }

  // ---- recovery codes ----

  // One transaction that first locks the user's row (FOR NO KEY UPDATE: not against the
  // foreign-key checks of other inserts), so two replaces for one user run one after the
  // other: without it the second's DELETE would not see the first's new codes, and the user
  // would end with both sets.
  std::expected<void, StoreError> replace_recovery_codes(const UserId& user,
                                                         std::span<const RecoveryCodeHash> hashes,
                                                         std::int64_t now) override {
    return transaction(
        *pool_, "credentials.replace_recovery_codes",
        [&](Op& op) -> std::expected<void, StoreError> {
          auto locked =
              op.exec("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE", Params().bytea(user));
          if (!locked) return std::unexpected(locked.error());
          if (locked->rows() == 0) return std::unexpected(StoreError::kNotFound);
          if (!recovery_code_set_valid(hashes)) return std::unexpected(StoreError::kConflict);
          auto deleted = exec_changes(op, "DELETE FROM recovery_codes WHERE user_id = $1",
                                      Params().bytea(user));
          if (!deleted) return std::unexpected(deleted.error());
          for (const RecoveryCodeHash& hash : hashes) {
            auto inserted = exec_changes(op,
                                         "INSERT INTO recovery_codes (user_id, hash, created_at, "
                                         "used_at) VALUES ($1, $2, $3, 0)",
                                         Params().bytea(user).bytea(hash).int8(now));
            if (!inserted) return std::unexpected(inserted.error());
          }
          return {};
        });
  }

  std::expected<RecoveryCodeUse, StoreError> use_recovery_code(const UserId& user,
                                                               const RecoveryCodeHash& hash,
                                                               std::int64_t now) override {
    // 0 means unused, so a use is recorded at 1 or later.
    auto used = changes(*pool_, "credentials.use_recovery_code",
                        "UPDATE recovery_codes SET used_at = $3 "
                        "WHERE user_id = $1 AND hash = $2 AND used_at = 0",
                        Params().bytea(user).bytea(hash).int8(std::max<std::int64_t>(now, 1)));
    if (!used) return std::unexpected(used.error());
    return *used == 1 ? RecoveryCodeUse::kAccepted : RecoveryCodeUse::kRefused;
  }

  std::expected<std::size_t, StoreError> remaining_recovery_codes(const UserId& user) override {
    return call(*pool_, "credentials.remaining_recovery_codes",
                [&](Op& op) -> std::expected<std::size_t, StoreError> {
                  auto result = op.exec(
                      "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0",
                      Params().bytea(user));
                  if (!result) return std::unexpected(result.error());
                  auto n = decode_single(op, *result, "recovery_codes",
                                         [](Row& row) { return row.integer(0); });
                  if (!n) return std::unexpected(n.error());
                  if (*n < 0) return std::unexpected(op.corrupt("recovery_codes"));
                  return static_cast<std::size_t>(*n);
                });
  }

  std::expected<std::size_t, StoreError> remove_recovery_codes(const UserId& user) override {
    return changes(*pool_, "credentials.remove_recovery_codes",
                   "DELETE FROM recovery_codes WHERE user_id = $1", Params().bytea(user));
  }

  // ---- passkeys ----

  std::expected<void, StoreError> add_passkey(const Passkey& p) override {
    return call(*pool_, "credentials.add_passkey", [&](Op& op) -> std::expected<void, StoreError> {
      if (!passkey_fields_valid(p)) {
        return std::unexpected(refused_insert(op, p.user_id, StoreError::kConflict));
      }
      auto inserted = exec_changes(op, kInsertPasskey,
                                   Params()
                                       .bytea(p.id)
                                       .bytea(p.user_id)
                                       .bytea(p.credential_id)
                                       .bytea(p.public_key)
                                       .int8(p.sign_count)
                                       .text_array(p.transports)
                                       .text(p.name)
                                       .bytea(p.aaguid)
                                       .boolean(p.backup_eligible)
                                       .boolean(p.backed_up)
                                       .int8(p.created_at)
                                       .int8(p.last_used_at));
      if (!inserted) return std::unexpected(refused_insert(op, p.user_id, inserted.error()));
      return {};
    });
  }

  std::expected<Passkey, StoreError> find_passkey_by_credential_id(
      std::string_view credential_id) override {
    return find_passkey_where(kFindPasskeyByCredential, Params().bytea(credential_id));
  }

  std::expected<Passkey, StoreError> find_passkey(const UserId& user,
                                                  const PasskeyId& id) override {
    return find_passkey_where(kFindPasskey, Params().bytea(id).bytea(user));
  }

  std::expected<std::vector<Passkey>, StoreError> list_passkeys(const UserId& user) override {
    return call(*pool_, "credentials.list_passkeys",
                [&](Op& op) -> std::expected<std::vector<Passkey>, StoreError> {
                  auto result = op.exec(kListPasskeys, Params().bytea(user));
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "passkeys", decode_passkey);
                });
  }

  std::expected<void, StoreError> rename_passkey(const UserId& user, const PasskeyId& id,
                                                 std::string_view name) override {
    return change_one(*pool_, "credentials.rename_passkey",
                      "UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2",
                      Params().bytea(id).bytea(user).text(name));
  }

  std::expected<void, StoreError> remove_passkey(const UserId& user, const PasskeyId& id) override {
    return change_one(*pool_, "credentials.remove_passkey",
                      "DELETE FROM passkeys WHERE id = $1 AND user_id = $2",
                      Params().bytea(id).bytea(user));
  }

  std::expected<PasskeyUse, StoreError> use_passkey(std::string_view credential_id,
                                                    std::int64_t sign_count, bool backed_up,
                                                    std::int64_t now) override {
    return call(
        *pool_, "credentials.use_passkey", [&](Op& op) -> std::expected<PasskeyUse, StoreError> {
          auto updated =
              op.exec(kUsePasskey,
                      Params().bytea(credential_id).int8(sign_count).boolean(backed_up).int8(now));
          if (!updated) return std::unexpected(updated.error());
          if (updated->rows() != 0) {
            auto after = decode_first(op, *updated, "passkeys", decode_passkey);
            if (!after) return std::unexpected(after.error());
            return PasskeyUse{.outcome = PasskeyUseOutcome::kUsed, .passkey = std::move(*after)};
          }
          // Nothing changed: the counter did not increase, or no such credential.
          auto found = op.exec(kFindPasskeyByCredential, Params().bytea(credential_id));
          if (!found) return std::unexpected(found.error());
          auto current = decode_first(op, *found, "passkeys", decode_passkey);
          if (!current) return std::unexpected(current.error());  // kNotFound too
          return PasskeyUse{.outcome = PasskeyUseOutcome::kCounterNotIncreased,
                            .passkey = std::move(*current)};
        });
  }

  // ---- WebAuthn user handle ----

  // Read; if absent, INSERT ... ON CONFLICT (user_id) DO NOTHING (a racing insert of another
  // node is waited for, then left alone) and read again: every caller returns the one row.
  std::expected<UserHandle, StoreError> user_handle(const UserId& user,
                                                    const UserHandle& candidate_if_new,
                                                    std::int64_t now) override {
    return call(
        *pool_, "credentials.user_handle", [&](Op& op) -> std::expected<UserHandle, StoreError> {
          auto stored = handle_of(op, user);
          if (!stored) return std::unexpected(stored.error());
          if (*stored) return **stored;
          auto inserted =
              exec_changes(op,
                           "INSERT INTO webauthn_user_handles (user_id, handle, created_at) "
                           "VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING",
                           Params().bytea(user).bytea(candidate_if_new).int8(now));
          if (!inserted) return std::unexpected(refused_insert(op, user, inserted.error()));
          if (*inserted == 1) return candidate_if_new;
          stored = handle_of(op, user);
          if (!stored) return std::unexpected(stored.error());
          // Inserted by another call, then gone already: only a removal of the user
          // does that.
          if (!*stored) return std::unexpected(StoreError::kNotFound);
          return **stored;
        });
  }

  std::expected<UserId, StoreError> user_by_handle(const UserHandle& handle) override {
    return call(
        *pool_, "credentials.user_by_handle", [&](Op& op) -> std::expected<UserId, StoreError> {
          auto result = op.exec("SELECT user_id FROM webauthn_user_handles WHERE handle = $1",
                                Params().bytea(handle));
          if (!result) return std::unexpected(result.error());
          return decode_first(op, *result, "webauthn_user_handles",
                              [](Row& row) { return row.blob<16>(0); });
        });
  }

 private:
  std::expected<Passkey, StoreError> find_passkey_where(std::string_view sql,
                                                        const Params& params) {
    return call(*pool_, "credentials.find_passkey",
                [&](Op& op) -> std::expected<Passkey, StoreError> {
                  auto result = op.exec(sql, params);
                  if (!result) return std::unexpected(result.error());
                  return decode_first(op, *result, "passkeys", decode_passkey);
                });
  }

  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<CredentialStore> make_credential_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresCredentialStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
