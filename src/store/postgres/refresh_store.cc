// RefreshStore on PostgreSQL. rotate() is ONE statement (autocommit: one round trip, and one
// commit): an UPDATE of the family's row WHERE it is live and at the presented generation,
// which moves it to the next one. Of N presentations on any number of nodes exactly one finds
// the row at that generation; every later one waits for the winner's commit, re-checks the
// row (READ COMMITTED re-evaluates the WHERE on the new version) and updates nothing. The
// same statement returns the family's previous last use and the family's user, so the token
// service's checks cost no second round trip. The previous use is written by the UPDATE itself
// (prior_use_at = last_used_at: SET expressions read the very row version being updated, so
// it is exactly the use before this rotation) and returned with the row, rather than read by
// a second scan (migrations/postgres/0012). A statement that updates nothing returns no row;
// the family is then read as it now is to say why.
//
// The row is rewritten in place by every rotation, with no indexed column changed: a HOT
// update (migrations/postgres/0004), so a family rotated 10,000 times leaves no trail of
// index entries, and its dead versions are pruned from its page without vacuum.
#include <algorithm>
#include <string>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// decode_family() reads these, in this order, from its first column.
constexpr std::string_view kFamilyColumns =
    "f.id, f.user_id, f.created_at, f.generation, f.last_used_at, f.auth_time, "
    "f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, f.revoked_at, "
    "f.revoked_reason, f.amr ";
constexpr int kFamilyColumnCount = 14;
const std::string kFind =
    std::string("SELECT ").append(kFamilyColumns).append("FROM refresh_families f WHERE f.id = $1");
const std::string kList = std::string("SELECT ")
                              .append(kFamilyColumns)
                              .append(
                                  "FROM refresh_families f WHERE f.user_id = $1 AND "
                                  "f.revoked_at = 0 ORDER BY f.created_at DESC, f.id DESC");
// find_legacy(): decode_legacy() reads columns 0..5, decode_family() the rest.
const std::string kFindLegacy =
    std::string(
        "SELECT t.hash, t.family_id, t.issued_at, t.used_at, t.successor, "
        "t.successor_sealed, ")
        .append(kFamilyColumns)
        .append(
            "FROM refresh_legacy_tokens t JOIN refresh_families f ON f.id = t.family_id "
            "WHERE t.hash = $1");
constexpr int kLegacyColumns = 6;
// rotate(): $1 family, $2 presented generation, $3 now. One row when it rotated: the family
// after (decode_family()), its previous last use, then the user's columns (decode_user(); all
// NULL if there is no such user).
// The previous use is prior_use_at, set by the UPDATE itself (see the top of this file).
const std::string kRotate =
    std::string(
        "WITH f AS (UPDATE refresh_families r SET generation = r.generation + 1, "
        "prior_use_at = r.last_used_at, last_used_at = GREATEST(r.last_used_at, $3) "
        "WHERE r.id = $1 AND r.generation = $2 AND r.revoked_at = 0 RETURNING r.*) "
        "SELECT ")
        .append(kFamilyColumns)
        .append(
            ", f.prior_use_at, u.id, u.email, u.password_hash, u.roles, "
            "u.disabled, u.created_at, u.password_changed_at, u.email_verified "
            "FROM f LEFT JOIN users u ON u.id = f.user_id");
constexpr int kPreviousUseColumn = kFamilyColumnCount;
constexpr int kUserColumn = kFamilyColumnCount + 1;
// How often rotate() runs its statement again when it changed nothing yet the family, read
// right after, is live at the presented generation (a commit it could not see yet).
constexpr int kRotateAttempts = 3;

// See refresh_store.h: 0 means "not yet", so a state change is recorded at 1 or later.
std::int64_t marker_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

// The family columns from `col`.
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
  f.user_agent = row.bytes(col + 10);
  f.revoked_at = row.integer(col + 11);
  f.revoked_reason = row.text(col + 12);
  f.amr = row.text(col + 13);
  if (f.revoked_at < 0 || f.generation < 0) row.mark_corrupt();
  return f;
}

RefreshFamily decode_family_row(Row& row) { return decode_family(row, 0); }

// A legacy token's columns from 0. A used token must name its successor and an unused one
// must not (the table's CHECK; a row breaking it was tampered with).
LegacyToken decode_legacy(Row& row) {
  LegacyToken t;
  t.hash = row.blob<32>(0);
  t.family = row.blob<16>(1);
  t.issued_at = row.integer(2);
  t.used_at = row.integer(3);
  const auto successor = row.nullable_blob<32>(4);
  t.successor_sealed = row.bytes(5);
  if ((t.used_at != 0) != successor.has_value() || t.used_at < 0) row.mark_corrupt();
  t.successor = successor.value_or(TokenHash{});
  return t;
}

class PostgresRefreshStore final : public RefreshStore {
 public:
  explicit PostgresRefreshStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> create(const RefreshFamily& family) override {
    return call(*pool_, "refresh.create", [&](Op& op) -> std::expected<void, StoreError> {
      auto inserted = op.exec(
          "INSERT INTO refresh_families (id, user_id, created_at, generation, last_used_at, "
          "auth_time, password_changed_at, client_id, scope, ip, user_agent, revoked_at, "
          "revoked_reason, amr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
          "$14)",
          Params()
              .bytea(family.id)
              .bytea(family.user_id)
              .int8(family.created_at)
              .int8(family.generation)
              .int8(family.last_used_at)
              .int8(family.auth_time)
              .int8(family.password_changed_at)
              .text(family.client_id)
              .text(family.scope)
              .text(family.ip)
              .bytea(family.user_agent)
              .int8(family.revoked_at)
              .text(family.revoked_reason)
              .text(family.amr));
      if (!inserted) return std::unexpected(inserted.error());  // kConflict: the id exists
      return {};
    });
  }

  std::expected<RefreshFamily, StoreError> find(const FamilyId& family) override {
    return call(*pool_, "refresh.find", [&](Op& op) { return find_in(op, family); });
  }

  std::expected<Rotation, StoreError> rotate(const FamilyId& family, std::int64_t generation,
                                             std::int64_t now) override {
    return call(*pool_, "refresh.rotate", [&](Op& op) -> std::expected<Rotation, StoreError> {
      for (int attempt = 0; attempt < kRotateAttempts; ++attempt) {
        auto rotated = op.exec(kRotate, Params().bytea(family).int8(generation).int8(now));
        if (!rotated) return std::unexpected(rotated.error());
        if (rotated->rows() != 0) {
          return decode_first(op, *rotated, "refresh_families", [](Row& row) {
            Rotation r{.outcome = RotateOutcome::kRotated,
                       .family = decode_family(row, 0),
                       .previous_use = row.integer(kPreviousUseColumn),
                       .user_read = true};
            if (row.nullable_blob<16>(kUserColumn)) r.user = decode_user(row, kUserColumn);
            return r;
          });
        }
        auto current = find_in(op, family);
        if (!current) return std::unexpected(current.error());
        const std::int64_t previous_use = current->last_used_at;
        Rotation r{.outcome = RotateOutcome::kFamilyRevoked,
                   .family = std::move(*current),
                   .previous_use = previous_use};
        if (r.family.revoked_at != 0) return r;
        if (r.family.generation > generation) {
          r.outcome = RotateOutcome::kAlreadyUsed;
          return r;
        }
        if (r.family.generation < generation) {
          r.outcome = RotateOutcome::kNotIssued;
          return r;
        }
        // Live at the presented generation, yet the statement did not find it so: a commit
        // its snapshot did not include. Run it again.
      }
      return std::unexpected(StoreError::kUnavailable);
    });
  }

  std::expected<LegacyTokenInFamily, StoreError> find_legacy(const TokenHash& hash) override {
    return call(*pool_, "refresh.find_legacy",
                [&](Op& op) -> std::expected<LegacyTokenInFamily, StoreError> {
                  auto result = op.exec(kFindLegacy, Params().bytea(hash));
                  if (!result) return std::unexpected(result.error());
                  return decode_first(op, *result, "refresh_legacy_tokens", [](Row& row) {
                    return LegacyTokenInFamily{.token = decode_legacy(row),
                                               .family = decode_family(row, kLegacyColumns)};
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
    // Legacy tokens go by ON DELETE CASCADE; the count is the families'. A rotation
    // committing while this runs either moved last_used_at past the bound first (and the
    // DELETE, re-checking the row, keeps the family) or finds the family gone (kNotFound).
    return changes(*pool_, "refresh.purge",
                   "DELETE FROM refresh_families WHERE created_at < $1 OR last_used_at < $2 OR "
                   "(revoked_at <> 0 AND revoked_at < $3)",
                   Params().int8(created_before).int8(used_before).int8(revoked_before));
  }

  std::expected<std::string, StoreError> token_secret(std::string_view candidate) override {
    // Two statements, each its own snapshot: the SELECT sees a secret that a concurrent first
    // call committed while this INSERT waited on it and then did nothing.
    return call(
        *pool_, "refresh.token_secret", [&](Op& op) -> std::expected<std::string, StoreError> {
          auto inserted = op.exec(
              "INSERT INTO refresh_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
              Params().bytea(candidate));
          if (!inserted) return std::unexpected(inserted.error());
          auto result = op.exec("SELECT secret FROM refresh_secret WHERE id = 1");
          if (!result) return std::unexpected(result.error());
          return decode_single(op, *result, "refresh_secret", [](Row& row) {
            const auto secret = row.blob<kRefreshSecretBytes>(0);
            return std::string(reinterpret_cast<const char*>(secret.data()), secret.size());
          });
        });
  }

 private:
  // The family, on `op`.
  std::expected<RefreshFamily, StoreError> find_in(Op& op, const FamilyId& family) {
    auto result = op.exec(kFind, Params().bytea(family));
    if (!result) return std::unexpected(result.error());
    return decode_first(op, *result, "refresh_families", decode_family_row);
  }

  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<RefreshStore> make_refresh_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresRefreshStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
