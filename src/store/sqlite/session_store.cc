// SessionStore on SQLite. create() inserts and evicts in one write transaction, so no reader
// ever sees the user above max_per_user and a failed eviction undoes the insert. The creation
// order is the per-user column seq: the user's max + 1, assigned inside that transaction
// (writes are serialised, so it strictly increases; migration 0004 says why not created_at).
#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

constexpr const char* kFind =
    "SELECT id_hash, user_id, created_at, last_seen_at, auth_time, ip, user_agent, csrf_hash, "
    "amr FROM sessions WHERE id_hash = ?1";
constexpr const char* kList =
    "SELECT id_hash, user_id, created_at, last_seen_at, auth_time, ip, user_agent, csrf_hash, "
    "amr FROM sessions WHERE user_id = ?1 ORDER BY seq DESC";

class SqliteSessionStore final : public SessionStore {
 public:
  explicit SqliteSessionStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<std::size_t, StoreError> create(const Session& s,
                                                std::size_t max_per_user) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<std::size_t, StoreError> {
      auto insert = prepare(*db_, lease,
                            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, "
                            "auth_time, ip, user_agent, csrf_hash, amr, seq) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT "
                            "ifnull(max(seq), 0) + 1 FROM sessions WHERE user_id = ?2))");
      if (!insert) return std::unexpected(insert.error());
      insert->bind_blob(1, s.id_hash)
          .bind_blob(2, s.user_id)
          .bind(3, s.created_at)
          .bind(4, s.last_seen_at)
          .bind(5, s.auth_time)
          .bind(6, s.ip)
          .bind(7, s.user_agent)
          .bind_blob(8, s.csrf_hash)
          .bind(9, s.amr);
      if (auto done = run(*db_, lease, *insert, "sessions.create"); !done) {
        return std::unexpected(done.error());  // kConflict: the id hash exists
      }
      if (max_per_user == 0) return std::size_t{0};

      auto count = prepare(*db_, lease, "SELECT count(*) FROM sessions WHERE user_id = ?1");
      if (!count) return std::unexpected(count.error());
      count->bind_blob(1, s.user_id);
      if (int rc = count->step(); rc != SQLITE_ROW) {
        return std::unexpected(db_->fail(lease, rc, "sessions.count"));
      }
      const std::int64_t have = sqlite3_column_int64(count->get(), 0);
      const std::int64_t excess = have - clamp_count(max_per_user);
      if (excess <= 0) return std::size_t{0};

      // The oldest `excess` sessions other than the new one.
      auto evict = prepare(*db_, lease,
                           "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions "
                           "WHERE user_id = ?1 AND id_hash <> ?2 "
                           "ORDER BY seq LIMIT ?3)");
      if (!evict) return std::unexpected(evict.error());
      evict->bind_blob(1, s.user_id).bind_blob(2, s.id_hash).bind(3, excess);
      if (auto done = run(*db_, lease, *evict, "sessions.evict"); !done) {
        return std::unexpected(done.error());
      }
      return static_cast<std::size_t>(lease->changes());
    });
  }

  std::expected<Session, StoreError> find(const TokenHash& id_hash) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<Session, StoreError> {
      auto st = prepare(*db_, lease, kFind);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, id_hash);
      int rc = st->step();
      if (rc == SQLITE_DONE) return std::unexpected(StoreError::kNotFound);
      if (rc != SQLITE_ROW) return std::unexpected(db_->fail(lease, rc, "sessions.find"));
      return decode(*st);
    });
  }

  std::expected<void, StoreError> touch(const TokenHash& id_hash, std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      // max(): last_seen_at only moves forward, even if an older request finishes last.
      auto st = prepare(*db_, lease,
                        "UPDATE sessions SET last_seen_at = max(last_seen_at, ?2) "
                        "WHERE id_hash = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, id_hash).bind(2, now);
      if (auto done = run(*db_, lease, *st, "sessions.touch"); !done) return done;
      if (lease->changes() == 0) return std::unexpected(StoreError::kNotFound);
      return {};
    });
  }

  std::expected<void, StoreError> remove(const TokenHash& id_hash) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease, "DELETE FROM sessions WHERE id_hash = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, id_hash);
      if (auto done = run(*db_, lease, *st, "sessions.remove"); !done) return done;
      if (lease->changes() == 0) return std::unexpected(StoreError::kNotFound);
      return {};
    });
  }

  std::expected<std::size_t, StoreError> remove_all(const UserId& user,
                                                    const TokenHash* keep) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<std::size_t, StoreError> {
      auto st = prepare(
          *db_, lease, "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR id_hash <> ?2)");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user);
      if (keep != nullptr) {
        st->bind_blob(2, *keep);
      } else {
        st->bind_null(2);
      }
      if (auto done = run(*db_, lease, *st, "sessions.remove_all"); !done) {
        return std::unexpected(done.error());
      }
      return static_cast<std::size_t>(lease->changes());
    });
  }

  std::expected<std::vector<Session>, StoreError> list(const UserId& user) override {
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<Session>, StoreError> {
          auto st = prepare(*db_, lease, kList);
          if (!st) return std::unexpected(st.error());
          st->bind_blob(1, user);
          std::vector<Session> out;
          for (;;) {
            int rc = st->step();
            if (rc == SQLITE_DONE) return out;
            if (rc != SQLITE_ROW) return std::unexpected(db_->fail(lease, rc, "sessions.list"));
            auto s = decode(*st);
            if (!s) return std::unexpected(s.error());
            out.push_back(std::move(*s));
          }
        });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                               std::int64_t seen_before) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<std::size_t, StoreError> {
      auto st =
          prepare(*db_, lease, "DELETE FROM sessions WHERE created_at < ?1 OR last_seen_at < ?2");
      if (!st) return std::unexpected(st.error());
      st->bind(1, created_before).bind(2, seen_before);
      if (auto done = run(*db_, lease, *st, "sessions.purge"); !done) {
        return std::unexpected(done.error());
      }
      return static_cast<std::size_t>(lease->changes());
    });
  }

 private:
  std::expected<Session, StoreError> decode(const Statement& st) {
    Row row(st);
    Session s;
    s.id_hash = row.blob<32>(0);
    s.user_id = row.blob<16>(1);
    s.created_at = row.integer(2);
    s.last_seen_at = row.integer(3);
    s.auth_time = row.integer(4);
    s.ip = row.text(5);
    s.user_agent = row.text(6);
    s.csrf_hash = row.blob<32>(7);
    s.amr = row.text(8);
    if (!row.ok()) return std::unexpected(db_->corrupt("sessions"));
    return s;
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<SessionStore> make_session_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteSessionStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
