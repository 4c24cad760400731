// AuthorizationCodeStore on SQLite: one row per code in `oauth_codes` (migration 0007), keyed
// by the code's hash. redeem() is one conditional UPDATE (WHERE redeemed_at = 0) inside a write
// transaction: writes are serialised across threads and processes, so of N concurrent calls
// exactly one changes the row; the others find it redeemed. The client is a foreign key: a code
// goes with its client, and one for a client that does not exist is refused.
#include <algorithm>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// The columns decode() reads, in this order.
constexpr const char* kFind =
    "SELECT hash, client_id, user_id, redirect_uri, scope, nonce, code_challenge, auth_time, amr, "
    "created_at, expires_at, redeemed_at, family_id FROM oauth_codes WHERE hash = ?1";
constexpr const char* kInsert =
    "INSERT INTO oauth_codes (hash, client_id, user_id, redirect_uri, scope, nonce, "
    "code_challenge, auth_time, amr, created_at, expires_at, redeemed_at, family_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr const char* kExists = "SELECT 1 FROM oauth_codes WHERE hash = ?1";

// See authorization_code_store.h: 0 means "not yet", so a redemption is recorded at 1 or later.
std::int64_t marker_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

std::expected<AuthorizationCode, StoreError> decode(Database& db, const Statement& st) {
  Row row(st);
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
  if (!row.ok()) return std::unexpected(db.corrupt("oauth_codes"));
  return c;
}

class SqliteAuthorizationCodeStore final : public AuthorizationCodeStore {
 public:
  explicit SqliteAuthorizationCodeStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // A constraint refusing the INSERT is the hash taken (kConflict) or, if no code has it, the
  // client missing (the foreign key: kNotFound).
  std::expected<void, StoreError> create(const AuthorizationCode& code) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease, kInsert);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, code.hash)
          .bind(2, code.client_id)
          .bind_blob(3, code.user_id)
          .bind(4, code.redirect_uri)
          .bind(5, code.scope)
          .bind(6, code.nonce)
          .bind(7, code.code_challenge)
          .bind(8, code.auth_time)
          .bind(9, code.amr)
          .bind(10, code.created_at)
          .bind(11, code.expires_at)
          .bind(12, code.redeemed_at)
          .bind_blob(13, code.family);
      auto inserted = run(*db_, lease, *st, "codes.create");
      if (inserted || inserted.error() != StoreError::kConflict) return inserted;
      auto exists = exists_in(lease, code.hash, "codes.create");
      if (!exists) return std::unexpected(exists.error());
      return std::unexpected(*exists ? StoreError::kConflict : StoreError::kNotFound);
    });
  }

  std::expected<AuthorizationCode, StoreError> find(const TokenHash& hash) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<AuthorizationCode, StoreError> {
      auto st = prepare(*db_, lease, kFind);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, hash);
      auto found = step_row(*db_, lease, *st, "codes.find");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return decode(*db_, *st);
    });
  }

  std::expected<bool, StoreError> redeem(const TokenHash& hash, std::int64_t now,
                                         const FamilyId& family) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<bool, StoreError> {
      auto st = prepare(*db_, lease,
                        "UPDATE oauth_codes SET redeemed_at = ?2, family_id = ?3 "
                        "WHERE hash = ?1 AND redeemed_at = 0");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, hash).bind(2, marker_time(now)).bind_blob(3, family);
      if (auto done = run(*db_, lease, *st, "codes.redeem"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() == 1) return true;
      // Nothing changed: redeemed before (false), or no such code.
      auto exists = exists_in(lease, hash, "codes.redeem");
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) return std::unexpected(StoreError::kNotFound);
      return false;
    });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before) override {
    return write_changes(*db_, "codes.purge", "DELETE FROM oauth_codes WHERE expires_at < ?1",
                         [&](Statement& st) { st.bind(1, before); });
  }

 private:
  // Whether a code has this hash, read on `lease` (inside the caller's write).
  std::expected<bool, StoreError> exists_in(Database::Lease& lease, const TokenHash& hash,
                                            std::string_view what) {
    auto st = prepare(*db_, lease, kExists);
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, hash);
    return step_row(*db_, lease, *st, what);
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<AuthorizationCodeStore> make_authorization_code_store(
    std::shared_ptr<Database> db) {
  return std::make_shared<SqliteAuthorizationCodeStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
