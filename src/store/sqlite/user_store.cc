// UserStore on SQLite. Roles are one JSON array per row (TEXT), not a child table: a user is
// always read whole (the gateway check needs the roles on every request), so one row read and
// one small parse beat a join, and the caller's order is kept.
#include <nlohmann/json.hpp>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {

std::string encode_string_list(const std::vector<std::string>& items) {
  // The strings are valid UTF-8 by contract; `replace` keeps dump() from throwing if a caller
  // breaks that (the bad bytes become U+FFFD instead of an exception across the store).
  return nlohmann::json(items).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool decode_string_list(const std::string& text, std::vector<std::string>& out) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return false;  // also a parse error (discarded)
  out.clear();
  out.reserve(j.size());
  for (const auto& item : j) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

namespace {

// The columns every read decodes (see decode()), in this order.
constexpr const char* kFindById =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE id = ?1";
constexpr const char* kFindByEmail =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE email = ?1";
// A page of list(): the first, or the one strictly after the position (?3, ?4). instr() finds
// the search text as it is (no pattern characters, unlike LIKE); an empty one matches every
// email. Both walk the users_by_created index.
constexpr const char* kListFirst =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE (?2 = '' OR instr(email, ?2) > 0) ORDER BY created_at, id LIMIT ?1";
constexpr const char* kListAfter =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE (?2 = '' OR instr(email, ?2) > 0) AND (created_at, id) > (?3, ?4) "
    "ORDER BY created_at, id LIMIT ?1";
constexpr const char* kListNonAscii =
    "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
    "email_verified "
    "FROM users WHERE length(email) <> length(CAST(email AS BLOB))";

// One row of the columns above as a User; kCorrupt (reported) if a column is not what the
// schema promises.
std::expected<User, StoreError> decode(Database& db, const Statement& st) {
  Row row(st);
  User u;
  u.id = row.blob<16>(0);
  u.email = row.text(1);
  u.password_hash = row.text(2);
  const std::string roles = row.text(3);
  const std::int64_t disabled = row.integer(4);
  u.created_at = row.integer(5);
  u.password_changed_at = row.integer(6);
  const std::int64_t verified = row.integer(7);
  if (disabled != 0 && disabled != 1) row.mark_corrupt();
  if (verified != 0 && verified != 1) row.mark_corrupt();
  u.disabled = disabled == 1;
  u.email_verified = verified == 1;
  if (row.ok() && !decode_string_list(roles, u.roles)) row.mark_corrupt();
  if (!row.ok()) return std::unexpected(db.corrupt("users"));
  return u;
}

// The one user `sql` (kFindBy*, bound by `bind`) selects on `lease`; kNotFound if none.
template <typename Bind>
std::expected<User, StoreError> find_user_where(Database& db, Database::Lease& lease,
                                                std::string_view sql, Bind&& bind) {
  auto st = prepare(db, lease, sql);
  if (!st) return std::unexpected(st.error());
  bind(*st);
  auto found = step_row(db, lease, *st, "users.find");
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::unexpected(StoreError::kNotFound);
  return decode(db, *st);
}

}  // namespace

std::expected<User, StoreError> find_user_in(Database& db, Database::Lease& lease,
                                             const UserId& id) {
  return find_user_where(db, lease, kFindById, [&](Statement& st) { st.bind_blob(1, id); });
}

namespace {

class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> create(const User& user) override {
    return db_->write([&](Database::Lease& lease) { return insert_user(*db_, lease, user); });
  }

  std::expected<User, StoreError> find_by_id(const UserId& id) override {
    return db_->read([&](Database::Lease& lease) { return find_user_in(*db_, lease, id); });
  }

  std::expected<User, StoreError> find_by_email(std::string_view email) override {
    return find_one(kFindByEmail, [&](Statement& st) { st.bind(1, email); });
  }

  std::expected<void, StoreError> set_password(const UserId& id, std::string_view hash,
                                               std::int64_t changed_at) override {
    return update("UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1", id,
                  [&](Statement& st) { st.bind(2, hash).bind(3, changed_at); });
  }

  std::expected<void, StoreError> rehash_password(const UserId& id,
                                                  std::string_view hash) override {
    return update("UPDATE users SET password_hash = ?2 WHERE id = ?1", id,
                  [&](Statement& st) { st.bind(2, hash); });
  }

  std::expected<void, StoreError> set_disabled(const UserId& id, bool disabled) override {
    return update("UPDATE users SET disabled = ?2 WHERE id = ?1", id,
                  [&](Statement& st) { st.bind(2, std::int64_t{disabled ? 1 : 0}); });
  }

  std::expected<void, StoreError> set_roles(const UserId& id,
                                            const std::vector<std::string>& roles) override {
    const std::string encoded = encode_string_list(roles);
    return update("UPDATE users SET roles = ?2 WHERE id = ?1", id,
                  [&](Statement& st) { st.bind(2, encoded); });
  }

  std::expected<void, StoreError> set_email_verified(const UserId& id, bool verified) override {
    return update("UPDATE users SET email_verified = ?2 WHERE id = ?1", id,
                  [&](Statement& st) { st.bind(2, std::int64_t{verified ? 1 : 0}); });
  }

  std::expected<void, StoreError> set_email(const UserId& id, std::string_view email) override {
    // A taken email fails the UNIQUE constraint: kConflict.
    return update("UPDATE users SET email = ?2 WHERE id = ?1", id,
                  [&](Statement& st) { st.bind(2, email); });
  }

  std::expected<void, StoreError> remove(const UserId& id) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      // What references the user without a foreign key (tables older than the cascade rule,
      // or rows a cache may hold instead), then the user: the cascade takes the rest. An error
      // undoes this write's savepoint whole.
      for (const char* sql : {
               "DELETE FROM sessions WHERE user_id = ?1",
               "DELETE FROM refresh_families WHERE user_id = ?1",
               "DELETE FROM user_devices WHERE user_id = ?1",
               "DELETE FROM oauth_codes WHERE user_id = ?1",
               "DELETE FROM oauth_consents WHERE user_id = ?1",
               "UPDATE audit_events SET detail = json_remove(detail, '$.email', '$.new_email') "
               "WHERE user_id = ?1 AND json_valid(detail)",
           }) {
        auto st = prepare(*db_, lease, sql);
        if (!st) return std::unexpected(st.error());
        st->bind_blob(1, id);
        if (auto done = run(*db_, lease, *st, "users.remove"); !done) return done;
      }
      auto st = prepare(*db_, lease, "DELETE FROM users WHERE id = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, id);
      if (auto done = run(*db_, lease, *st, "users.remove"); !done) return done;
      if (lease->changes() == 0) return std::unexpected(StoreError::kNotFound);
      return {};
    });
  }

  std::expected<std::vector<User>, StoreError> list_non_ascii_emails() override {
    // length() counts characters of TEXT and bytes of a BLOB: they differ exactly when the
    // text holds a multi-byte (non-ASCII) character.
    return list_where(kListNonAscii, [](Statement&) {});
  }

  std::expected<std::vector<User>, StoreError> list(const UserListQuery& q) override {
    return list_where(q.after ? kListAfter : kListFirst, [&](Statement& st) {
      st.bind(1, clamp_count(q.limit)).bind(2, q.email_contains);
      if (q.after) st.bind(3, q.after->created_at).bind_blob(4, q.after->id);
    });
  }

 private:
  template <typename Bind>
  std::expected<std::vector<User>, StoreError> list_where(const char* sql, Bind bind) {
    return db_->read([&](Database::Lease& lease) -> std::expected<std::vector<User>, StoreError> {
      auto st = prepare(*db_, lease, sql);
      if (!st) return std::unexpected(st.error());
      bind(*st);
      std::vector<User> out;
      for (;;) {
        int rc = st->step();
        if (rc == SQLITE_DONE) return out;
        if (rc != SQLITE_ROW) return std::unexpected(db_->fail(lease, rc, "users.list"));
        auto user = decode(*db_, *st);
        if (!user) return std::unexpected(user.error());
        out.push_back(std::move(*user));
      }
    });
  }

  template <typename Bind>
  std::expected<User, StoreError> find_one(std::string_view sql, Bind&& bind) {
    return db_->read(
        [&](Database::Lease& lease) { return find_user_where(*db_, lease, sql, bind); });
  }

  // One UPDATE of the user `id`; kNotFound if it changed no row.
  template <typename Bind>
  std::expected<void, StoreError> update(std::string_view sql, const UserId& id, Bind&& bind) {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease, sql);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, id);
      bind(*st);
      if (auto done = run(*db_, lease, *st, "users.update"); !done) return done;
      if (lease->changes() == 0) return std::unexpected(StoreError::kNotFound);
      return {};
    });
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::expected<void, StoreError> insert_user(Database& db, Database::Lease& lease,
                                            const User& user) {
  auto st = prepare(db, lease,
                    "INSERT INTO users (id, email, password_hash, roles, disabled, created_at, "
                    "password_changed_at, email_verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st) return std::unexpected(st.error());
  st->bind_blob(1, user.id)
      .bind(2, user.email)
      .bind(3, user.password_hash)
      .bind(4, encode_string_list(user.roles))
      .bind(5, std::int64_t{user.disabled ? 1 : 0})
      .bind(6, user.created_at)
      .bind(7, user.password_changed_at)
      .bind(8, std::int64_t{user.email_verified ? 1 : 0});
  return run(db, lease, *st, "users.create");  // a taken id or email: kConflict
}

std::shared_ptr<UserStore> make_user_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteUserStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
