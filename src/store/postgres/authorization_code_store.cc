// AuthorizationCodeStore on PostgreSQL: one row per code in `oauth_codes` (migration 0006),
// keyed by the code's hash. redeem() is ONE conditional UPDATE (WHERE redeemed_at = 0): of N
// concurrent calls on any number of nodes, one updates the row; every other waits for its
// commit, re-checks the row (READ COMMITTED re-evaluates the WHERE on the new version) and
// updates nothing. The client is a foreign key: a code goes with its client, and one for a
// client that does not exist is refused.
#include <algorithm>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// The columns decode_code() reads, in this order.
constexpr std::string_view kFind =
    "SELECT hash, client_id, user_id, redirect_uri, scope, nonce, code_challenge, auth_time, amr, "
    "created_at, expires_at, redeemed_at, family_id FROM oauth_codes WHERE hash = $1";
constexpr std::string_view kInsert =
    "INSERT INTO oauth_codes (hash, client_id, user_id, redirect_uri, scope, nonce, "
    "code_challenge, auth_time, amr, created_at, expires_at, redeemed_at, family_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
constexpr std::string_view kExists = "SELECT 1 FROM oauth_codes WHERE hash = $1";

// See authorization_code_store.h: 0 means "not yet", so a redemption is recorded at 1 or later.
std::int64_t marker_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

AuthorizationCode decode_code(Row& row) {
  AuthorizationCode c;
  c.hash = row.blob<32>(0);
  c.client_id = row.text(1);
  c.user_id = row.blob<16>(2);
  c.redirect_uri = row.text(3);
  c.scope = row.text(4);
  c.nonce = row.text(5);
  c.code_challenge = row.text(6);
  c.auth_time = row.integer(7);
  c.amr = row.text(8);
  c.created_at = row.integer(9);
  c.expires_at = row.integer(10);
  c.redeemed_at = row.integer(11);
  c.family = row.blob<16>(12);
  if (c.redeemed_at < 0) row.mark_corrupt();
  return c;
}

// Whether a code has this hash, on `op`.
std::expected<bool, StoreError> code_exists(Op& op, const TokenHash& hash) {
  auto result = op.exec(kExists, Params().bytea(hash));
  if (!result) return std::unexpected(result.error());
  return result->rows() != 0;
}

class PostgresAuthorizationCodeStore final : public AuthorizationCodeStore {
 public:
  explicit PostgresAuthorizationCodeStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  // A constraint refusing the INSERT is the hash taken (kConflict) or, if no code has it, the
  // client missing (the foreign key: kNotFound).
  std::expected<void, StoreError> create(const AuthorizationCode& code) override {
    return call(*pool_, "codes.create", [&](Op& op) -> std::expected<void, StoreError> {
      Params params;
      params.bytea(code.hash)
          .text(code.client_id)
          .bytea(code.user_id)
          .text(code.redirect_uri)
          .text(code.scope)
          .text(code.nonce)
          .text(code.code_challenge)
          .int8(code.auth_time)
          .text(code.amr)
          .int8(code.created_at)
          .int8(code.expires_at)
          .int8(code.redeemed_at)
          .bytea(code.family);
      auto inserted = op.exec(kInsert, params);
      if (inserted) return {};
      if (inserted.error() != StoreError::kConflict) return std::unexpected(inserted.error());
      auto exists = code_exists(op, code.hash);
      if (!exists) return std::unexpected(exists.error());
      return std::unexpected(*exists ? StoreError::kConflict : StoreError::kNotFound);
    });
  }

  std::expected<AuthorizationCode, StoreError> find(const TokenHash& hash) override {
    return call(*pool_, "codes.find", [&](Op& op) -> std::expected<AuthorizationCode, StoreError> {
      auto result = op.exec(kFind, Params().bytea(hash));
      if (!result) return std::unexpected(result.error());
      return decode_first(op, *result, "oauth_codes", decode_code);
    });
  }

  std::expected<bool, StoreError> redeem(const TokenHash& hash, std::int64_t now,
                                         const FamilyId& family) override {
    return call(*pool_, "codes.redeem", [&](Op& op) -> std::expected<bool, StoreError> {
      auto redeemed = exec_changes(op,
                                   "UPDATE oauth_codes SET redeemed_at = $2, family_id = $3 "
                                   "WHERE hash = $1 AND redeemed_at = 0",
                                   Params().bytea(hash).int8(marker_time(now)).bytea(family));
      if (!redeemed) return std::unexpected(redeemed.error());
      if (*redeemed == 1) return true;
      // Nothing changed: redeemed before (false), or no such code.
      auto exists = code_exists(op, hash);
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) return std::unexpected(StoreError::kNotFound);
      return false;
    });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before) override {
    return changes(*pool_, "codes.purge", "DELETE FROM oauth_codes WHERE expires_at < $1",
                   Params().int8(before));
  }

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<AuthorizationCodeStore> make_authorization_code_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresAuthorizationCodeStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
