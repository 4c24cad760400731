// UserStore on PostgreSQL. Roles are a TEXT[] column (in the caller's order): a user is always
// read whole, so one row carries everything the gateway check needs. Every method is one
// statement, atomic on its own; a taken id or email is a unique violation: kConflict.
#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// The columns every read decodes (decode_user(), internal.h), in this order.
constexpr std::string_view kFindById =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE id = $1";
constexpr std::string_view kFindByEmail =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE email = $1";
// A page of list(): the first, or the one strictly after the position ($3, $4). strpos()
// finds the search text as it is (no pattern characters, unlike LIKE); an empty one is at 1,
// so it matches every email. Both walk the users_by_created index.
constexpr std::string_view kListFirst =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE strpos(email, $2) > 0 ORDER BY created_at, id LIMIT $1";
constexpr std::string_view kListAfter =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE strpos(email, $2) > 0 AND (created_at, id) > ($3, $4) "
    "ORDER BY created_at, id LIMIT $1";
// char_length counts characters, octet_length bytes: they differ exactly when the email
// holds a multi-byte (non-ASCII) character.
constexpr std::string_view kListNonAscii =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE char_length(email) <> octet_length(email)";

User decode_user_row(Row& row) { return decode_user(row, 0); }

class PostgresUserStore final : public UserStore {
 public:
  explicit PostgresUserStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> create(const User& user) override {
    return call(*pool_, "users.create", [&](Op& op) { return insert_user(op, user); });
  }

  std::expected<User, StoreError> find_by_id(const UserId& id) override {
    return find_one("users.find_by_id", kFindById, Params().bytea(id));
  }

  std::expected<User, StoreError> find_by_email(std::string_view email) override {
    return find_one("users.find_by_email", kFindByEmail, Params().text(email));
  }

  std::expected<void, StoreError> set_password(const UserId& id, std::string_view hash,
                                               std::int64_t changed_at) override {
    return update("users.set_password",
                  "UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
                  Params().bytea(id).text(hash).int8(changed_at));
  }

  std::expected<void, StoreError> rehash_password(const UserId& id,
                                                  std::string_view hash) override {
    return update("users.rehash_password", "UPDATE users SET password_hash = $2 WHERE id = $1",
                  Params().bytea(id).text(hash));
  }

  std::expected<void, StoreError> set_disabled(const UserId& id, bool disabled) override {
    return update("users.set_disabled", "UPDATE users SET disabled = $2 WHERE id = $1",
                  Params().bytea(id).boolean(disabled));
  }

  std::expected<void, StoreError> set_roles(const UserId& id,
                                            const std::vector<std::string>& roles) override {
    return update("users.set_roles", "UPDATE users SET roles = $2 WHERE id = $1",
                  Params().bytea(id).text_array(roles));
  }

  std::expected<void, StoreError> set_email_verified(const UserId& id, bool verified) override {
    return update("users.set_email_verified", "UPDATE users SET email_verified = $2 WHERE id = $1",
                  Params().bytea(id).boolean(verified));
  }

  std::expected<void, StoreError> remove(const UserId& id) override {
    return transaction(*pool_, "users.remove", [&](Op& op) -> std::expected<void, StoreError> {
      // What references the user without a foreign key, then the user: the cascade takes the
      // rest. Any failure rolls the whole transaction back.
      for (std::string_view sql : {
               "DELETE FROM sessions WHERE user_id = $1",
               "DELETE FROM refresh_families WHERE user_id = $1",
               "DELETE FROM user_devices WHERE user_id = $1",
               "DELETE FROM oauth_codes WHERE user_id = $1",
               "DELETE FROM oauth_consents WHERE user_id = $1",
               "UPDATE audit_events SET detail = ((detail::jsonb - 'email') - 'new_email')::text "
               "WHERE user_id = $1",
           }) {
        if (auto done = exec_changes(op, sql, Params().bytea(id)); !done) {
          return std::unexpected(done.error());
        }
      }
      auto removed = exec_changes(op, "DELETE FROM users WHERE id = $1", Params().bytea(id));
      if (!removed) return std::unexpected(removed.error());
      if (*removed == 0) return std::unexpected(StoreError::kNotFound);
      return {};
    });
  }

  std::expected<void, StoreError> set_email(const UserId& id, std::string_view email) override {
    // A taken email fails the UNIQUE constraint: kConflict.
    return update("users.set_email", "UPDATE users SET email = $2 WHERE id = $1",
                  Params().bytea(id).text(email));
  }

  std::expected<std::vector<User>, StoreError> list_non_ascii_emails() override {
    return call(*pool_, "users.list_non_ascii_emails",
                [&](Op& op) -> std::expected<std::vector<User>, StoreError> {
                  auto result = op.exec(kListNonAscii, Params());
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "users", decode_user_row);
                });
  }

  std::expected<std::vector<User>, StoreError> list(const UserListQuery& q) override {
    Params params = Params().int8(clamp_count(q.limit)).text(q.email_contains);
    if (q.after) params.int8(q.after->created_at).bytea(q.after->id);
    return call(*pool_, "users.list", [&](Op& op) -> std::expected<std::vector<User>, StoreError> {
      auto result = op.exec(q.after ? kListAfter : kListFirst, params);
      if (!result) return std::unexpected(result.error());
      return decode_rows(op, *result, "users", decode_user_row);
    });
  }

 private:
  std::expected<User, StoreError> find_one(std::string_view what, std::string_view sql,
                                           const Params& params) {
    return call(*pool_, what, [&](Op& op) -> std::expected<User, StoreError> {
      auto result = op.exec(sql, params);
      if (!result) return std::unexpected(result.error());
      return decode_first(op, *result, "users", decode_user_row);
    });
  }

  // One UPDATE of the user $1; kNotFound if it changed no row.
  std::expected<void, StoreError> update(std::string_view what, std::string_view sql,
                                         const Params& params) {
    return change_one(*pool_, what, sql, params);
  }

  std::shared_ptr<Pool> pool_;
};

}  // namespace

User decode_user(Row& row, int col) {
  User u;
  u.id = row.blob<16>(col);
  u.email = row.text(col + 1);
  u.password_hash = row.text(col + 2);
  u.roles = row.text_array(col + 3);
  u.disabled = row.boolean(col + 4);
  u.created_at = row.integer(col + 5);
  u.password_changed_at = row.integer(col + 6);
  u.email_verified = row.boolean(col + 7);
  return u;
}

std::expected<void, StoreError> insert_user(Op& op, const User& user) {
  auto inserted = exec_changes(op,
                               "INSERT INTO users (id, email, password_hash, roles, disabled, "
                               "created_at, password_changed_at, email_verified) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                               Params()
                                   .bytea(user.id)
                                   .text(user.email)
                                   .text(user.password_hash)
                                   .text_array(user.roles)
                                   .boolean(user.disabled)
                                   .int8(user.created_at)
                                   .int8(user.password_changed_at)
                                   .boolean(user.email_verified));
  if (!inserted) return std::unexpected(inserted.error());  // a taken id or email: kConflict
  return {};
}

std::shared_ptr<UserStore> make_user_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresUserStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
