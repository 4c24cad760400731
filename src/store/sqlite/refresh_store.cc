// RefreshStore on SQLite. rotate() reads, decides and writes inside one BEGIN IMMEDIATE
// transaction: the write lock is held from the read on, so across threads AND processes only
// one caller can find the presented token unused; every other waits, then finds it used.
// A family's last_used_at is its newest token's issued_at (refresh_store.h), read through the
// index refresh_tokens_by_family (family_id, issued_at): rotations write tokens only.
#include <algorithm>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// find() and rotate(): decode_token() reads columns 0..5, decode_family() 6..17 (last_used_at
// derived from the family's tokens).
constexpr const char* kFind =
    "SELECT t.hash, t.family_id, t.issued_at, t.used_at, t.successor, t.successor_sealed, "
    "f.id, f.user_id, f.created_at, "
    "(SELECT max(issued_at) FROM refresh_tokens WHERE family_id = f.id), f.auth_time, "
    "f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, f.revoked_at, "
    "f.revoked_reason "
    "FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.hash = ?1";
constexpr int kTokenColumns = 6;
// list(): decode_family() from column 0.
constexpr const char* kList =
    "SELECT f.id, f.user_id, f.created_at, "
    "(SELECT max(issued_at) FROM refresh_tokens WHERE family_id = f.id), f.auth_time, "
    "f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, f.revoked_at, "
    "f.revoked_reason FROM refresh_families f "
    "WHERE f.user_id = ?1 AND f.revoked_at = 0 ORDER BY f.created_at DESC, f.id DESC";

// See refresh_store.h: 0 means "not yet", so a state change is recorded at 1 or later.
std::int64_t marker_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

// Reads the token columns starting at `col`. A used token must name its successor and an
// unused one must not (the table's CHECK; a row breaking it was tampered with).
RefreshToken decode_token(Row& row, int col) {
  RefreshToken t;
  t.hash = row.blob<32>(col);
  t.family = row.blob<16>(col + 1);
  t.issued_at = row.integer(col + 2);
  t.used_at = row.integer(col + 3);
  const auto successor = row.nullable_blob<32>(col + 4);
  t.successor_sealed = row.text(col + 5);
  if ((t.used_at != 0) != successor.has_value() || t.used_at < 0) row.mark_corrupt();
  t.successor = successor.value_or(TokenHash{});
  return t;
}

// Reads the family columns starting at `col`.
RefreshFamily decode_family(Row& row, int col) {
  RefreshFamily f;
  f.id = row.blob<16>(col);
  f.user_id = row.blob<16>(col + 1);
  f.created_at = row.integer(col + 2);
  f.last_used_at = row.integer(col + 3);
  f.auth_time = row.integer(col + 4);
  f.password_changed_at = row.integer(col + 5);
  f.client_id = row.text(col + 6);
  f.scope = row.text(col + 7);
  f.ip = row.text(col + 8);
  f.user_agent = row.text(col + 9);
  f.revoked_at = row.integer(col + 10);
  f.revoked_reason = row.text(col + 11);
  if (f.revoked_at < 0) row.mark_corrupt();
  return f;
}

class SqliteRefreshStore final : public RefreshStore {
 public:
  explicit SqliteRefreshStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> create(const RefreshFamily& family,
                                         const RefreshToken& first) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease,
                        "INSERT INTO refresh_families (id, user_id, created_at, auth_time, "
                        "password_changed_at, client_id, scope, ip, user_agent, revoked_at, "
                        "revoked_reason) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, family.id)
          .bind_blob(2, family.user_id)
          .bind(3, family.created_at)
          .bind(4, family.auth_time)
          .bind(5, family.password_changed_at)
          .bind(6, family.client_id)
          .bind(7, family.scope)
          .bind(8, family.ip)
          .bind(9, family.user_agent)
          .bind(10, family.revoked_at)
          .bind(11, family.revoked_reason);
      if (auto done = run(*db_, lease, *st, "refresh.create"); !done) return done;  // kConflict
      return insert_current(lease, family.id, first.hash, first.issued_at, "refresh.create");
    });
  }

  std::expected<TokenInFamily, StoreError> find(const TokenHash& hash) override {
    return db_->read([&](Database::Lease& lease) { return find_in(lease, hash); });
  }

  std::expected<Rotation, StoreError> rotate(const TokenHash& presented,
                                             const RefreshToken& successor,
                                             std::string_view successor_sealed,
                                             std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<Rotation, StoreError> {
      auto current = find_in(lease, presented);  // under the write lock: no one else decides
      if (!current) return std::unexpected(current.error());
      Rotation r{.outcome = RotateOutcome::kRotated,
                 .presented = std::move(current->token),
                 .family = std::move(current->family)};
      if (r.family.revoked_at != 0) {
        r.outcome = RotateOutcome::kFamilyRevoked;
        return r;
      }
      if (r.presented.used_at != 0) {
        r.outcome = RotateOutcome::kAlreadyUsed;
        return r;
      }
      // First, so that a taken successor hash (kConflict) fails before anything changed.
      if (auto done = insert_current(lease, r.family.id, successor.hash, successor.issued_at,
                                     "refresh.rotate");
          !done) {
        return std::unexpected(done.error());
      }
      r.presented.used_at = marker_time(now);
      r.presented.successor = successor.hash;
      r.presented.successor_sealed = successor_sealed;
      auto used = prepare(*db_, lease,
                          "UPDATE refresh_tokens SET used_at = ?2, successor = ?3, "
                          "successor_sealed = ?4 WHERE hash = ?1 AND used_at = 0");
      if (!used) return std::unexpected(used.error());
      used->bind_blob(1, presented)
          .bind(2, r.presented.used_at)
          .bind_blob(3, successor.hash)
          .bind(4, successor_sealed);
      if (auto done = run(*db_, lease, *used, "refresh.rotate"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() != 1) return std::unexpected(db_->corrupt("refresh_tokens"));
      r.family.last_used_at = std::max(r.family.last_used_at, successor.issued_at);
      return r;
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
    // The families' tokens go by ON DELETE CASCADE; changes() counts the families only. Last
    // used before ?2: no token of the family was issued at ?2 or later.
    return write_changes(*db_, "refresh.purge",
                         "DELETE FROM refresh_families AS f WHERE f.created_at < ?1 OR "
                         "(f.revoked_at <> 0 AND f.revoked_at < ?3) OR NOT EXISTS (SELECT 1 "
                         "FROM refresh_tokens t WHERE t.family_id = f.id AND t.issued_at >= ?2)",
                         [&](Statement& st) {
                           st.bind(1, created_before).bind(2, used_before).bind(3, revoked_before);
                         });
  }

 private:
  // The token `hash` and its family, on `lease` (inside the caller's transaction, if any).
  std::expected<TokenInFamily, StoreError> find_in(Database::Lease& lease, const TokenHash& hash) {
    auto st = prepare(*db_, lease, kFind);
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, hash);
    auto found = step_row(*db_, lease, *st, "refresh.find");
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::unexpected(StoreError::kNotFound);
    Row row(*st);
    TokenInFamily out{.token = decode_token(row, 0), .family = decode_family(row, kTokenColumns)};
    if (!row.ok()) return std::unexpected(db_->corrupt("refresh_tokens"));
    return out;
  }

  // Inserts an unused token into `family`. kConflict if the hash exists.
  std::expected<void, StoreError> insert_current(Database::Lease& lease, const FamilyId& family,
                                                 const TokenHash& hash, std::int64_t issued_at,
                                                 std::string_view what) {
    auto st = prepare(
        *db_, lease, "INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES (?1, ?2, ?3)");
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, hash).bind_blob(2, family).bind(3, issued_at);
    return run(*db_, lease, *st, what);
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<RefreshStore> make_refresh_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteRefreshStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
