// RefreshStore on SQLite. rotate() reads, decides and writes inside one BEGIN IMMEDIATE
// transaction: the write lock is held from the read on, so across threads AND processes only
// one caller can find the family at the presented generation; every other waits, then finds
// it past it. A rotation rewrites the family's one row in place (generation, last_used_at:
// neither is indexed), so a family's rows and index entries stay the same however often it
// rotates. A rotation also reads the family's user in the same transaction
// (Rotation::user_read).
#include <algorithm>
#include <string>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// decode_family() reads these, in this order, from its first column.
constexpr std::string_view kFamilyColumns =
    "f.id, f.user_id, f.created_at, f.generation, f.last_used_at, f.auth_time, "
    "f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, f.revoked_at, "
    "f.revoked_reason, f.amr ";
const std::string kFind =
    std::string("SELECT ").append(kFamilyColumns).append("FROM refresh_families f WHERE f.id = ?1");
const std::string kList = std::string("SELECT ")
                              .append(kFamilyColumns)
                              .append(
                                  "FROM refresh_families f WHERE f.user_id = ?1 AND "
                                  "f.revoked_at = 0 ORDER BY f.created_at DESC, f.id DESC");
// find_legacy(): decode_legacy() reads columns 0..5, decode_family() the rest.
const std::string kFindLegacy =
    std::string(
        "SELECT t.hash, t.family_id, t.issued_at, t.used_at, t.successor, "
        "t.successor_sealed, ")
        .append(kFamilyColumns)
        .append(
            "FROM refresh_legacy_tokens t JOIN refresh_families f ON f.id = t.family_id "
            "WHERE t.hash = ?1");
constexpr int kLegacyColumns = 6;

// See refresh_store.h: 0 means "not yet", so a state change is recorded at 1 or later.
std::int64_t marker_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

// Reads the family columns starting at `col`.
RefreshFamily decode_family(Row& row, int col) {
  RefreshFamily f;
  f.id = row.blob<16>(col);
  f.user_id = row.blob<16>(col + 1);
  f.created_at = row.integer(col + 2);
  f.generation = row.integer(col + 3);
  f.last_used_at = row.integer(col + 4);
  f.auth_time = row.integer(col + 5);
  f.password_changed_at = row.integer(col + 6);
  f.client_id = row.text(col + 7);
  f.scope = row.text(col + 8);
  f.ip = row.text(col + 9);
  f.user_agent = row.text(col + 10);
  f.revoked_at = row.integer(col + 11);
  f.revoked_reason = row.text(col + 12);
  f.amr = row.text(col + 13);
  if (f.revoked_at < 0 || f.generation < 0) row.mark_corrupt();
  return f;
}

// Reads a legacy token's columns from 0. A used token must name its successor and an unused
// one must not (the table's CHECK; a row breaking it was tampered with).
LegacyToken decode_legacy(Row& row) {
  LegacyToken t;
  t.hash = row.blob<32>(0);
  t.family = row.blob<16>(1);
  t.issued_at = row.integer(2);
  t.used_at = row.integer(3);
  const auto successor = row.nullable_blob<32>(4);
  t.successor_sealed = row.text(5);
  if ((t.used_at != 0) != successor.has_value() || t.used_at < 0) row.mark_corrupt();
  t.successor = successor.value_or(TokenHash{});
  return t;
}

class SqliteRefreshStore final : public RefreshStore {
 public:
  explicit SqliteRefreshStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> create(const RefreshFamily& family) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease,
                        "INSERT INTO refresh_families (id, user_id, created_at, generation, "
                        "last_used_at, auth_time, password_changed_at, client_id, scope, ip, "
                        "user_agent, revoked_at, revoked_reason, amr) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, family.id)
          .bind_blob(2, family.user_id)
          .bind(3, family.created_at)
          .bind(4, family.generation)
          .bind(5, family.last_used_at)
          .bind(6, family.auth_time)
          .bind(7, family.password_changed_at)
          .bind(8, family.client_id)
          .bind(9, family.scope)
          .bind(10, family.ip)
          .bind(11, family.user_agent)
          .bind(12, family.revoked_at)
          .bind(13, family.revoked_reason)
          .bind(14, family.amr);
      return run(*db_, lease, *st, "refresh.create");  // kConflict: the id exists
    });
  }

  std::expected<RefreshFamily, StoreError> find(const FamilyId& family) override {
    return db_->read([&](Database::Lease& lease) { return find_in(lease, family); });
  }

  std::expected<Rotation, StoreError> rotate(const FamilyId& id, std::int64_t generation,
                                             std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<Rotation, StoreError> {
      auto family = find_in(lease, id);  // under the write lock: no one else decides
      if (!family) return std::unexpected(family.error());
      const std::int64_t previous_use = family->last_used_at;
      Rotation r{.outcome = RotateOutcome::kRotated,
                 .family = std::move(*family),
                 .previous_use = previous_use};
      if (r.family.revoked_at != 0) {
        r.outcome = RotateOutcome::kFamilyRevoked;
      } else if (generation < r.family.generation) {
        r.outcome = RotateOutcome::kAlreadyUsed;
      } else if (generation > r.family.generation) {
        r.outcome = RotateOutcome::kNotIssued;
      }
      if (r.outcome != RotateOutcome::kRotated) return r;
      r.family.generation = generation + 1;
      r.family.last_used_at = std::max(r.family.last_used_at, now);
      auto st = prepare(*db_, lease,
                        "UPDATE refresh_families SET generation = ?2, last_used_at = ?3 "
                        "WHERE id = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, id).bind(2, r.family.generation).bind(3, r.family.last_used_at);
      if (auto done = run(*db_, lease, *st, "refresh.rotate"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() != 1) return std::unexpected(db_->corrupt("refresh_families"));
      // The family's user, in the same transaction (Rotation::user_read): one read less for
      // the caller, and no separate read transaction with its WAL locks.
      auto user = find_user_in(*db_, lease, r.family.user_id);
      if (!user && user.error() != StoreError::kNotFound) return std::unexpected(user.error());
      r.user_read = true;
      if (user) r.user = std::move(*user);
      return r;
    });
  }

  std::expected<LegacyTokenInFamily, StoreError> find_legacy(const TokenHash& hash) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<LegacyTokenInFamily, StoreError> {
      auto st = prepare(*db_, lease, kFindLegacy);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, hash);
      auto found = step_row(*db_, lease, *st, "refresh.find_legacy");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      Row row(*st);
      LegacyTokenInFamily out{.token = decode_legacy(row),
                              .family = decode_family(row, kLegacyColumns)};
      if (!row.ok()) return std::unexpected(db_->corrupt("refresh_legacy_tokens"));
      return out;
    });
  }

  std::expected<bool, StoreError> revoke_family(const FamilyId& family, std::string_view reason,
                                                std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<bool, StoreError> {
      auto st = prepare(*db_, lease,
                        "UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?3 "
                        "WHERE id = ?1 AND revoked_at = 0");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, family).bind(2, marker_time(now)).bind(3, reason);
      if (auto done = run(*db_, lease, *st, "refresh.revoke_family"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() == 1) return true;
      // Nothing changed: already revoked (false), or no such family.
      auto exists = prepare(*db_, lease, "SELECT 1 FROM refresh_families WHERE id = ?1");
      if (!exists) return std::unexpected(exists.error());
      exists->bind_blob(1, family);
      auto found = step_row(*db_, lease, *exists, "refresh.revoke_family");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return false;
    });
  }

  std::expected<std::size_t, StoreError> revoke_user(const UserId& user, std::string_view reason,
                                                     std::int64_t now) override {
    return write_changes(
        *db_, "refresh.revoke_user",
        "UPDATE refresh_families SET revoked_at = ?2, revoked_reason = ?3 "
        "WHERE user_id = ?1 AND revoked_at = 0",
        [&](Statement& st) { st.bind_blob(1, user).bind(2, marker_time(now)).bind(3, reason); });
  }

  std::expected<std::vector<RefreshFamily>, StoreError> list(const UserId& user) override {
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<RefreshFamily>, StoreError> {
          auto st = prepare(*db_, lease, kList);
          if (!st) return std::unexpected(st.error());
          st->bind_blob(1, user);
          return collect<RefreshFamily>(
              *db_, lease, *st, "refresh.list",
              [&](const Statement& s) -> std::expected<RefreshFamily, StoreError> {
                Row row(s);
                RefreshFamily f = decode_family(row, 0);
                if (!row.ok()) return std::unexpected(db_->corrupt("refresh_families"));
                return f;
              });
        });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                               std::int64_t used_before,
                                               std::int64_t revoked_before) override {
    // Legacy tokens go by ON DELETE CASCADE; changes() counts the families only.
    return write_changes(*db_, "refresh.purge",
                         "DELETE FROM refresh_families WHERE created_at < ?1 OR "
                         "last_used_at < ?2 OR (revoked_at <> 0 AND revoked_at < ?3)",
                         [&](Statement& st) {
                           st.bind(1, created_before).bind(2, used_before).bind(3, revoked_before);
                         });
  }

  std::expected<std::string, StoreError> token_secret(std::string_view candidate) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<std::string, StoreError> {
      auto insert = prepare(*db_, lease,
                            "INSERT INTO refresh_secret (id, secret) VALUES (1, ?1) "
                            "ON CONFLICT (id) DO NOTHING");
      if (!insert) return std::unexpected(insert.error());
      insert->bind_blob(
          1, std::span(reinterpret_cast<const std::uint8_t*>(candidate.data()), candidate.size()));
      if (auto done = run(*db_, lease, *insert, "refresh.token_secret"); !done) {
        return std::unexpected(done.error());
      }
      auto st = prepare(*db_, lease, "SELECT secret FROM refresh_secret WHERE id = 1");
      if (!st) return std::unexpected(st.error());
      auto found = step_row(*db_, lease, *st, "refresh.token_secret");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(db_->corrupt("refresh_secret"));
      Row row(*st);
      const auto secret = row.blob<kRefreshSecretBytes>(0);
      if (!row.ok()) return std::unexpected(db_->corrupt("refresh_secret"));
      return std::string(reinterpret_cast<const char*>(secret.data()), secret.size());
    });
  }

 private:
  // The family, on `lease` (inside the caller's transaction, if any).
  std::expected<RefreshFamily, StoreError> find_in(Database::Lease& lease, const FamilyId& id) {
    auto st = prepare(*db_, lease, kFind);
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, id);
    auto found = step_row(*db_, lease, *st, "refresh.find");
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::unexpected(StoreError::kNotFound);
    Row row(*st);
    RefreshFamily f = decode_family(row, 0);
    if (!row.ok()) return std::unexpected(db_->corrupt("refresh_families"));
    return f;
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<RefreshStore> make_refresh_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteRefreshStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
