// AccountTokenStore on PostgreSQL: the account_tokens table of migration 0009, with the users
// and outbox rows each call changes together.
//
// Every call that writes is one transaction. redeem() first locks the token row
// (SELECT ... FOR UPDATE): concurrent redemptions of one token on any number of nodes queue on
// that lock, and each one after the first finds it used. An email that another user took in
// the meantime fails the UPDATE's unique constraint: the transaction is rolled back and the
// outcome is kEmailTaken.
#include "store/account_token_store.h"

#include <algorithm>
#include <string>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

constexpr std::string_view kTokenColumns =
    "hash, user_id, purpose, email, created_at, expires_at, used_at";
const std::string kFindToken =
    std::string("SELECT ").append(kTokenColumns).append(" FROM account_tokens WHERE hash = $1");
const std::string kLockToken = kFindToken + " FOR UPDATE";
const std::string kInsertToken = std::string("INSERT INTO account_tokens (")
                                     .append(kTokenColumns)
                                     .append(") VALUES ($1, $2, $3, $4, $5, $6, $7)");

AccountToken decode_token(Row& row) {
  AccountToken t;
  t.hash = row.blob<32>(0);
  t.user_id = row.blob<16>(1);
  const auto purpose = parse_account_token_purpose(row.text(2));
  t.email = row.text(3);
  t.created_at = row.integer(4);
  t.expires_at = row.integer(5);
  t.used_at = row.integer(6);
  if (!purpose) row.mark_corrupt();
  t.purpose = purpose.value_or(AccountTokenPurpose::kVerifyEmail);
  return t;
}

// A use or a kill is recorded at 1 or later: 0 means unused.
std::int64_t used_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

std::expected<void, StoreError> insert_token(Op& op, const AccountToken& t) {
  auto result = op.exec(kInsertToken, Params()
                                          .bytea(t.hash)
                                          .bytea(t.user_id)
                                          .text(to_string(t.purpose))
                                          .text(t.email)
                                          .int8(t.created_at)
                                          .int8(t.expires_at)
                                          .int8(t.used_at));
  if (!result) return std::unexpected(result.error());
  return {};
}

// The user's email, the row locked until the transaction ends; kNotFound if no such user.
std::expected<std::string, StoreError> lock_user_email(Op& op, const UserId& user) {
  auto result =
      op.exec("SELECT email FROM users WHERE id = $1 FOR NO KEY UPDATE", Params().bytea(user));
  if (!result) return std::unexpected(result.error());
  return decode_first(op, *result, "users", [](Row& row) { return row.text(0); });
}

class PostgresAccountTokenStore final : public AccountTokenStore {
 public:
  explicit PostgresAccountTokenStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> create_user(const User& user, const AccountToken& token,
                                              std::span<const OutgoingMail> mails,
                                              std::int64_t now) override {
    return transaction(*pool_, "account_tokens.create_user",
                       [&](Op& op) -> std::expected<void, StoreError> {
                         if (auto created = insert_user(op, user); !created) return created;
                         if (auto stored = insert_token(op, token); !stored) return stored;
                         auto queued = insert_mails(op, mails, now);
                         if (!queued) return std::unexpected(queued.error());
                         return {};
                       });
  }

  std::expected<void, StoreError> issue(const AccountToken& token,
                                        std::span<const OutgoingMail> mails,
                                        std::int64_t now) override {
    return transaction(*pool_, "account_tokens.issue",
                       [&](Op& op) -> std::expected<void, StoreError> {
                         // The user row locked: a concurrent delete waits, or wins first.
                         auto email = lock_user_email(op, token.user_id);
                         if (!email) return std::unexpected(email.error());
                         if (auto stored = insert_token(op, token); !stored) return stored;
                         auto queued = insert_mails(op, mails, now);
                         if (!queued) return std::unexpected(queued.error());
                         return {};
                       });
  }

  std::expected<AccountToken, StoreError> find(const TokenHash& hash) override {
    return call(*pool_, "account_tokens.find",
                [&](Op& op) -> std::expected<AccountToken, StoreError> {
                  auto result = op.exec(kFindToken, Params().bytea(hash));
                  if (!result) return std::unexpected(result.error());
                  return decode_first(op, *result, "account_tokens", decode_token);
                });
  }

  std::expected<Redemption, StoreError> redeem(const TokenHash& hash, AccountTokenPurpose purpose,
                                               std::string_view password_hash,
                                               std::span<const OutgoingMail> mails,
                                               std::int64_t now) override {
    return transaction(
        *pool_, "account_tokens.redeem", [&](Op& op) -> std::expected<Redemption, StoreError> {
          auto locked = op.exec(kLockToken, Params().bytea(hash));
          if (!locked) return std::unexpected(locked.error());
          auto token = decode_first(op, *locked, "account_tokens", decode_token);
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
          auto email = lock_user_email(op, token->user_id);
          if (!email) return std::unexpected(email.error());  // the foreign key: never kNotFound
          const bool same_email = *email == token->email;
          const UserId& user = token->user_id;

          switch (purpose) {
            case AccountTokenPurpose::kVerifyEmail: {
              if (!same_email) return verdict(Redeemed::kStale);
              auto done = exec_changes(op, "UPDATE users SET email_verified = TRUE WHERE id = $1",
                                       Params().bytea(user));
              if (!done) return std::unexpected(done.error());
              break;
            }
            case AccountTokenPurpose::kChangeEmail: {
              auto done = exec_changes(
                  op, "UPDATE users SET email = $2, email_verified = TRUE WHERE id = $1",
                  Params().bytea(user).text(token->email));
              if (!done && done.error() == StoreError::kConflict) {
                op.rollback();  // another user has the address: nothing changes
                return verdict(Redeemed::kEmailTaken);
              }
              if (!done) return std::unexpected(done.error());
              done = exec_changes(op,
                                  "UPDATE account_tokens SET used_at = $2 WHERE user_id = $1 AND "
                                  "used_at = 0 AND purpose IN ('change_email', 'verify_email')",
                                  Params().bytea(user).int8(used_time(now)));
              if (!done) return std::unexpected(done.error());
              break;
            }
            case AccountTokenPurpose::kResetPassword: {
              auto done = exec_changes(
                  op,
                  "UPDATE users SET password_hash = $2, "
                  "password_changed_at = $3, email_verified = "
                  "(email_verified OR $4) WHERE id = $1",
                  Params().bytea(user).text(password_hash).int8(now).boolean(same_email));
              if (!done) return std::unexpected(done.error());
              done = exec_changes(op,
                                  "UPDATE account_tokens SET used_at = $2 WHERE user_id = $1 AND "
                                  "used_at = 0 AND purpose = 'reset_password'",
                                  Params().bytea(user).int8(used_time(now)));
              if (!done) return std::unexpected(done.error());
              break;
            }
          }
          auto used = exec_changes(
              op, "UPDATE account_tokens SET used_at = $2 WHERE hash = $1 AND used_at = 0",
              Params().bytea(hash).int8(used_time(now)));
          if (!used) return std::unexpected(used.error());
          auto queued = insert_mails(op, mails, now);
          if (!queued) return std::unexpected(queued.error());
          return verdict(Redeemed::kApplied);
        });
  }

  std::expected<std::size_t, StoreError> kill(const UserId& user, AccountTokenPurpose purpose,
                                              std::int64_t now) override {
    return changes(*pool_, "account_tokens.kill",
                   "UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 "
                   "AND used_at = 0",
                   Params().bytea(user).text(to_string(purpose)).int8(used_time(now)));
  }

  std::expected<std::size_t, StoreError> purge_expired(std::int64_t before) override {
    return changes(*pool_, "account_tokens.purge",
                   "DELETE FROM account_tokens WHERE expires_at < $1", Params().int8(before));
  }

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<AccountTokenStore> make_account_token_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresAccountTokenStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
