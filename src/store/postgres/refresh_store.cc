// RefreshStore on PostgreSQL. rotate() is ONE statement (autocommit: one round trip, and one
// commit), which takes row locks family first, then token (the order purge's cascade takes
// them too, so the two never deadlock):
//   fam    SELECT the family FOR SHARE WHERE it is live and the presented token unused (as the
//          statement's snapshot sees them), by primary key (the token's family_id through a
//          scalar subquery: a join let the planner hash-join a seq scan of every family while
//          the table is small, which cost a third of the rate in the bench). Share locks let
//          rotations of one family run side
//          by side, but a revocation (an UPDATE) and this lock take turns; a revocation that
//          committed first makes this select nothing (the row is re-checked after the wait).
//   claim  UPDATE the token WHERE hash = $1 AND used_at = 0, joined to fam: the claim. Of N
//          presentations on any number of nodes exactly one finds used_at = 0; every later one
//          waits for the winner's commit, re-checks the row and updates nothing.
//   ins    INSERT the successor for the claimed token only (a taken hash: kConflict, and the
//          whole statement is undone).
// A statement that claims nothing returns no row and changes nothing; the token is then read
// as it now is to say why: kFamilyRevoked, kAlreadyUsed, or kNotFound. A claiming one also
// returns the family's user (Rotation::user), so the token service's user check costs no
// second round trip.
//
// The family row itself is never written by a rotation: its last_used_at is its newest
// token's issued_at (refresh_store.h; migrations/postgres/0002 says why).
#include <algorithm>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// find(): the token's columns (decode_token() from 0), then the family's (decode_family()).
constexpr std::string_view kFind =
    "SELECT t.hash, t.family_id, t.issued_at, t.used_at, t.successor, t.successor_sealed, "
    "f.id, f.user_id, f.created_at, "
    "(SELECT max(issued_at) FROM refresh_tokens WHERE family_id = f.id), f.auth_time, "
    "f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, f.revoked_at, "
    "f.revoked_reason "
    "FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.hash = $1";
constexpr int kTokenColumns = 6;
// rotate(): $1 presented, $2 used_at marker, $3 successor hash, $4 sealed successor, $5 the
// successor's issued_at. One row when it rotated: the claimed token and its family in find()'s
// column order, then the user's columns from kUserColumn (decode_user(); all NULL if there is
// no such user). None when it changed nothing (see the header comment). The family's last use
// is read in the statement's snapshot, which does not see the successor: hence GREATEST with
// its issued_at.
constexpr std::string_view kRotate =
    "WITH fam AS ("
    "  SELECT f.id, f.user_id, f.created_at, f.auth_time, f.password_changed_at, f.client_id, "
    "  f.scope, f.ip, f.user_agent, f.revoked_at, f.revoked_reason "
    "  FROM refresh_families f WHERE f.revoked_at = 0 AND f.id = "
    "  (SELECT family_id FROM refresh_tokens WHERE hash = $1 AND used_at = 0) "
    "  FOR SHARE), "
    "claim AS ("
    "  UPDATE refresh_tokens t SET used_at = $2, successor = $3, successor_sealed = $4 "
    "  FROM fam WHERE t.hash = $1 AND t.used_at = 0 AND t.family_id = fam.id "
    "  RETURNING t.hash, t.family_id, t.issued_at, t.used_at, t.successor, t.successor_sealed), "
    "ins AS ("
    "  INSERT INTO refresh_tokens (hash, family_id, issued_at) "
    "  SELECT $3, family_id, $5 FROM claim RETURNING 1) "
    "SELECT c.hash, c.family_id, c.issued_at, c.used_at, c.successor, c.successor_sealed, "
    "f.id, f.user_id, f.created_at, "
    "GREATEST((SELECT max(issued_at) FROM refresh_tokens WHERE family_id = f.id), $5), "
    "f.auth_time, f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, "
    "f.revoked_at, f.revoked_reason, u.id, u.email, u.password_hash, u.roles, u.disabled, "
    "u.created_at, u.password_changed_at, u.totp_secret "
    "FROM claim c JOIN fam f ON f.id = c.family_id LEFT JOIN users u ON u.id = f.user_id";
constexpr int kUserColumn = 18;
constexpr std::string_view kList =
    "SELECT f.id, f.user_id, f.created_at, "
    "(SELECT max(issued_at) FROM refresh_tokens WHERE family_id = f.id), f.auth_time, "
    "f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, f.revoked_at, "
    "f.revoked_reason FROM refresh_families f "
    "WHERE f.user_id = $1 AND f.revoked_at = 0 ORDER BY f.created_at DESC, f.id DESC";

// See refresh_store.h: 0 means "not yet", so a state change is recorded at 1 or later.
std::int64_t marker_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

// The token columns from `col`. A used token must name its successor and an unused one must
// not (the table's CHECK; a row breaking it was tampered with).
RefreshToken decode_token(Row& row, int col) {
  RefreshToken t;
  t.hash = row.blob<32>(col);
  t.family = row.blob<16>(col + 1);
  t.issued_at = row.integer(col + 2);
  t.used_at = row.integer(col + 3);
  const auto successor = row.nullable_blob<32>(col + 4);
  t.successor_sealed = row.bytes(col + 5);
  if ((t.used_at != 0) != successor.has_value() || t.used_at < 0) row.mark_corrupt();
  t.successor = successor.value_or(TokenHash{});
  return t;
}

// The family columns from `col`.
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
  f.user_agent = row.bytes(col + 9);
  f.revoked_at = row.integer(col + 10);
  f.revoked_reason = row.text(col + 11);
  if (f.revoked_at < 0) row.mark_corrupt();
  return f;
}

RefreshFamily decode_family_row(Row& row) { return decode_family(row, 0); }

class PostgresRefreshStore final : public RefreshStore {
 public:
  explicit PostgresRefreshStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> create(const RefreshFamily& family,
                                         const RefreshToken& first) override {
    return transaction(*pool_, "refresh.create", [&](Op& op) -> std::expected<void, StoreError> {
      auto inserted = op.exec(
          "INSERT INTO refresh_families (id, user_id, created_at, auth_time, "
          "password_changed_at, client_id, scope, ip, user_agent, revoked_at, revoked_reason) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
          Params()
              .bytea(family.id)
              .bytea(family.user_id)
              .int8(family.created_at)
              .int8(family.auth_time)
              .int8(family.password_changed_at)
              .text(family.client_id)
              .text(family.scope)
              .text(family.ip)
              .bytea(family.user_agent)
              .int8(family.revoked_at)
              .text(family.revoked_reason));
      if (!inserted) return std::unexpected(inserted.error());  // kConflict: the id exists
      return insert_current(op, family.id, first.hash, first.issued_at);
    });
  }

  std::expected<TokenInFamily, StoreError> find(const TokenHash& hash) override {
    return call(*pool_, "refresh.find", [&](Op& op) { return find_in(op, hash); });
  }

  std::expected<Rotation, StoreError> rotate(const TokenHash& presented,
                                             const RefreshToken& successor,
                                             std::string_view successor_sealed,
                                             std::int64_t now) override {
    return call(*pool_, "refresh.rotate", [&](Op& op) -> std::expected<Rotation, StoreError> {
      auto rotated = op.exec(kRotate, Params()
                                          .bytea(presented)
                                          .int8(marker_time(now))
                                          .bytea(successor.hash)
                                          .bytea(successor_sealed)
                                          .int8(successor.issued_at));
      if (!rotated) return std::unexpected(rotated.error());
      if (rotated->rows() == 0) return unchanged(op, presented);
      return decode_first(op, *rotated, "refresh_tokens", [](Row& row) {
        Rotation r{.outcome = RotateOutcome::kRotated,
                   .presented = decode_token(row, 0),
                   .family = decode_family(row, kTokenColumns),
                   .user_read = true};
        if (row.nullable_blob<16>(kUserColumn)) r.user = decode_user(row, kUserColumn);
        return r;
      });
    });
  }

  std::expected<bool, StoreError> revoke_family(const FamilyId& family, std::string_view reason,
                                                std::int64_t now) override {
    return call(*pool_, "refresh.revoke_family", [&](Op& op) -> std::expected<bool, StoreError> {
      auto revoked = exec_changes(op,
                                  "UPDATE refresh_families SET revoked_at = $2, "
                                  "revoked_reason = $3 WHERE id = $1 AND revoked_at = 0",
                                  Params().bytea(family).int8(marker_time(now)).text(reason));
      if (!revoked) return std::unexpected(revoked.error());
      if (*revoked == 1) return true;
      // Nothing changed: already revoked (false), or no such family.
      auto exists =
          op.exec("SELECT id FROM refresh_families WHERE id = $1", Params().bytea(family));
      if (!exists) return std::unexpected(exists.error());
      if (exists->rows() == 0) return std::unexpected(StoreError::kNotFound);
      return false;
    });
  }

  std::expected<std::size_t, StoreError> revoke_user(const UserId& user, std::string_view reason,
                                                     std::int64_t now) override {
    return changes(*pool_, "refresh.revoke_user",
                   "UPDATE refresh_families SET revoked_at = $2, revoked_reason = $3 "
                   "WHERE user_id = $1 AND revoked_at = 0",
                   Params().bytea(user).int8(marker_time(now)).text(reason));
  }

  std::expected<std::vector<RefreshFamily>, StoreError> list(const UserId& user) override {
    return call(*pool_, "refresh.list",
                [&](Op& op) -> std::expected<std::vector<RefreshFamily>, StoreError> {
                  auto result = op.exec(kList, Params().bytea(user));
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "refresh_families", decode_family_row);
                });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                               std::int64_t used_before,
                                               std::int64_t revoked_before) override {
    // The families' tokens go by ON DELETE CASCADE; the count is the families'. Last used
    // before $2: no token of the family was issued at $2 or later. (A rotation committing
    // while this runs holds only a share lock on its family, so the family may still go: it
    // was idle past the bound, and the token service ends such a family at its next use.)
    return changes(*pool_, "refresh.purge",
                   "DELETE FROM refresh_families f WHERE f.created_at < $1 OR "
                   "(f.revoked_at <> 0 AND f.revoked_at < $3) OR NOT EXISTS (SELECT 1 "
                   "FROM refresh_tokens t WHERE t.family_id = f.id AND t.issued_at >= $2)",
                   Params().int8(created_before).int8(used_before).int8(revoked_before));
  }

 private:
  // The token `hash` and its family, on `op`.
  std::expected<TokenInFamily, StoreError> find_in(Op& op, const TokenHash& hash) {
    auto result = op.exec(kFind, Params().bytea(hash));
    if (!result) return std::unexpected(result.error());
    return decode_first(op, *result, "refresh_tokens", [](Row& row) {
      return TokenInFamily{.token = decode_token(row, 0),
                           .family = decode_family(row, kTokenColumns)};
    });
  }

  // A rotation that claimed nothing: reports the token as it now is.
  std::expected<Rotation, StoreError> unchanged(Op& op, const TokenHash& presented) {
    auto current = find_in(op, presented);
    if (!current) return std::unexpected(current.error());
    Rotation r{.outcome = RotateOutcome::kFamilyRevoked,
               .presented = std::move(current->token),
               .family = std::move(current->family)};
    if (r.family.revoked_at != 0) return r;
    if (r.presented.used_at != 0) {
      r.outcome = RotateOutcome::kAlreadyUsed;
      return r;
    }
    // Current in a live family, yet the statement did not find it: the token did not exist
    // when it ran, and the call took effect before the token did.
    return std::unexpected(StoreError::kNotFound);
  }

  // Inserts an unused token into `family`. kConflict if the hash exists.
  static std::expected<void, StoreError> insert_current(Op& op, const FamilyId& family,
                                                        const TokenHash& hash,
                                                        std::int64_t issued_at) {
    auto inserted =
        op.exec("INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES ($1, $2, $3)",
                Params().bytea(hash).bytea(family).int8(issued_at));
    if (!inserted) return std::unexpected(inserted.error());
    return {};
  }

  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<RefreshStore> make_refresh_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresRefreshStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
