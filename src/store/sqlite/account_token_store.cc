// AccountTokenStore on SQLite: the account_tokens table of migration 0010, with the users and
// outbox rows each call changes together.
//
// Every call is one write transaction (Database::write): writes are serialised across threads
// and processes, so redeem() may read the token and the user and then decide, and no other
// redemption of the token can come in between; an error undoes the call's savepoint whole.
#include "store/account_token_store.h"

#include <algorithm>
#include <string>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// The columns decode_token() reads, in this order.
constexpr const char* kFindToken =
    "SELECT hash, user_id, purpose, email, created_at, expires_at, used_at "
    "FROM account_tokens WHERE hash = ?1";

std::expected<AccountToken, StoreError> decode_token(Database& db, const Statement& st) {
  Row row(st);
  AccountToken t;
  t.hash = row.blob<32>(0);
  t.user_id = row.blob<16>(1);
  const auto purpose = parse_account_token_purpose(row.text(2));
  t.email = row.text(3);
  t.created_at = row.integer(4);
  t.expires_at = row.integer(5);
  t.used_at = row.integer(6);
  if (!purpose) row.mark_corrupt();
  if (!row.ok()) return std::unexpected(db.corrupt("account_tokens"));
  t.purpose = *purpose;
  return t;
}

// A use or a kill is recorded at 1 or later: 0 means unused.
std::int64_t used_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

class SqliteAccountTokenStore final : public AccountTokenStore {
 public:
  explicit SqliteAccountTokenStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> create_user(const User& user, const AccountToken& token,
                                              std::span<const OutgoingMail> mails,
                                              std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      if (auto created = insert_user(*db_, lease, user); !created) return created;
      if (auto stored = insert_token(lease, token); !stored) return stored;
      auto queued = insert_mails(*db_, lease, mails, now);
      if (!queued) return std::unexpected(queued.error());
      return {};
    });
  }

  std::expected<void, StoreError> issue(const AccountToken& token,
                                        std::span<const OutgoingMail> mails,
                                        std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto email = user_email(lease, token.user_id);
      if (!email) return std::unexpected(email.error());
      if (auto stored = insert_token(lease, token); !stored) return stored;  // a taken hash
      auto queued = insert_mails(*db_, lease, mails, now);
      if (!queued) return std::unexpected(queued.error());
      return {};
    });
  }

  std::expected<AccountToken, StoreError> find(const TokenHash& hash) override {
    return db_->read([&](Database::Lease& lease) { return find_token(lease, hash); });
  }

  std::expected<Redemption, StoreError> redeem(const TokenHash& hash, AccountTokenPurpose purpose,
                                               std::string_view password_hash,
                                               std::span<const OutgoingMail> mails,
                                               std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<Redemption, StoreError> {
      auto token = find_token(lease, hash);
      if (!token && token.error() == StoreError::kNotFound) return Redemption{};
      if (!token) return std::unexpected(token.error());
      if (token->purpose != purpose) return Redemption{};
      Redemption r{.outcome = Redeemed::kUnknown, .token = *token};
      auto verdict = [&r](Redeemed outcome) {
        r.outcome = outcome;
        return r;
      };
      if (token->used_at != 0) return verdict(Redeemed::kUsed);
      if (now >= token->expires_at) return verdict(Redeemed::kExpired);
      auto email = user_email(lease, token->user_id);
      if (!email) return std::unexpected(email.error());  // the foreign key: never kNotFound
      const bool same_email = *email == token->email;
      const UserId& user = token->user_id;

      switch (purpose) {
        case AccountTokenPurpose::kVerifyEmail: {
          if (!same_email) return verdict(Redeemed::kStale);
          auto done = exec(lease, "account_tokens.redeem",
                           "UPDATE users SET email_verified = 1 WHERE id = ?1",
                           [&](Statement& st) { st.bind_blob(1, user); });
          if (!done) return std::unexpected(done.error());
          break;
        }
        case AccountTokenPurpose::kChangeEmail: {
          auto taken = email_taken_by_other(lease, token->email, user);
          if (!taken) return std::unexpected(taken.error());
          if (*taken) return verdict(Redeemed::kEmailTaken);
          auto done = exec(lease, "account_tokens.redeem",
                           "UPDATE users SET email = ?2, email_verified = 1 WHERE id = ?1",
                           [&](Statement& st) { st.bind_blob(1, user).bind(2, token->email); });
          if (!done) return std::unexpected(done.error());
          done = exec(lease, "account_tokens.redeem",
                      "UPDATE account_tokens SET used_at = ?2 WHERE user_id = ?1 AND used_at = 0 "
                      "AND purpose IN ('change_email', 'verify_email')",
                      [&](Statement& st) { st.bind_blob(1, user).bind(2, used_time(now)); });
          if (!done) return std::unexpected(done.error());
          break;
        }
        case AccountTokenPurpose::kResetPassword: {
          auto done = exec(lease, "account_tokens.redeem",
                           "UPDATE users SET password_hash = ?2, password_changed_at = ?3, "
                           "email_verified = CASE WHEN ?4 THEN 1 ELSE email_verified END "
                           "WHERE id = ?1",
                           [&](Statement& st) {
                             st.bind_blob(1, user)
                                 .bind(2, password_hash)
                                 .bind(3, now)
                                 .bind(4, std::int64_t{same_email ? 1 : 0});
                           });
          if (!done) return std::unexpected(done.error());
          done = exec(lease, "account_tokens.redeem",
                      "UPDATE account_tokens SET used_at = ?2 WHERE user_id = ?1 AND used_at = 0 "
                      "AND purpose = 'reset_password'",
                      [&](Statement& st) { st.bind_blob(1, user).bind(2, used_time(now)); });
          if (!done) return std::unexpected(done.error());
          break;
        }
      }
      // The token itself (already covered above for change and reset; harmless again).
      auto used = exec(lease, "account_tokens.redeem",
                       "UPDATE account_tokens SET used_at = ?2 WHERE hash = ?1 AND used_at = 0",
                       [&](Statement& st) { st.bind_blob(1, hash).bind(2, used_time(now)); });
      if (!used) return std::unexpected(used.error());
      auto queued = insert_mails(*db_, lease, mails, now);
      if (!queued) return std::unexpected(queued.error());
      return verdict(Redeemed::kApplied);
    });
  }

  std::expected<std::size_t, StoreError> kill(const UserId& user, AccountTokenPurpose purpose,
                                              std::int64_t now) override {
    return write_changes(
        *db_, "account_tokens.kill",
        "UPDATE account_tokens SET used_at = ?3 WHERE user_id = ?1 AND purpose = ?2 AND "
        "used_at = 0",
        [&](Statement& st) {
          st.bind_blob(1, user).bind(2, to_string(purpose)).bind(3, used_time(now));
        });
  }

  std::expected<std::size_t, StoreError> purge_expired(std::int64_t before) override {
    return write_changes(*db_, "account_tokens.purge",
                         "DELETE FROM account_tokens WHERE expires_at < ?1",
                         [&](Statement& st) { st.bind(1, before); });
  }

 private:
  std::expected<AccountToken, StoreError> find_token(Database::Lease& lease,
                                                     const TokenHash& hash) {
    auto st = prepare(*db_, lease, kFindToken);
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, hash);
    auto found = step_row(*db_, lease, *st, "account_tokens.find");
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::unexpected(StoreError::kNotFound);
    return decode_token(*db_, *st);
  }

  std::expected<void, StoreError> insert_token(Database::Lease& lease, const AccountToken& t) {
    auto st = prepare(*db_, lease,
                      "INSERT INTO account_tokens (hash, user_id, purpose, email, created_at, "
                      "expires_at, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, t.hash)
        .bind_blob(2, t.user_id)
        .bind(3, to_string(t.purpose))
        .bind(4, t.email)
        .bind(5, t.created_at)
        .bind(6, t.expires_at)
        .bind(7, t.used_at);
    return run(*db_, lease, *st, "account_tokens.insert");
  }

  // The user's email; kNotFound if there is no such user.
  std::expected<std::string, StoreError> user_email(Database::Lease& lease, const UserId& user) {
    auto st = prepare(*db_, lease, "SELECT email FROM users WHERE id = ?1");
    if (!st) return std::unexpected(st.error());
    st->bind_blob(1, user);
    auto found = step_row(*db_, lease, *st, "account_tokens.user");
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::unexpected(StoreError::kNotFound);
    Row row(*st);
    std::string email = row.text(0);
    if (!row.ok()) return std::unexpected(db_->corrupt("users"));
    return email;
  }

  std::expected<bool, StoreError> email_taken_by_other(Database::Lease& lease,
                                                       std::string_view email, const UserId& user) {
    auto st = prepare(*db_, lease, "SELECT 1 FROM users WHERE email = ?1 AND id <> ?2");
    if (!st) return std::unexpected(st.error());
    st->bind(1, email).bind_blob(2, user);
    return step_row(*db_, lease, *st, "account_tokens.email_taken");
  }

  template <typename Bind>
  std::expected<void, StoreError> exec(Database::Lease& lease, std::string_view what,
                                       std::string_view sql, Bind&& bind) {
    auto st = prepare(*db_, lease, sql);
    if (!st) return std::unexpected(st.error());
    bind(*st);
    return run(*db_, lease, *st, what);
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<AccountTokenStore> make_account_token_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteAccountTokenStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
