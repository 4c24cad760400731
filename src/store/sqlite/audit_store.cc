// AuditStore on SQLite: append-only rows with AUTOINCREMENT ids, and the per-user device set.
#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<std::int64_t, StoreError> append(const AuditEvent& e) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<std::int64_t, StoreError> {
      auto st = prepare(*db_, lease,
                        "INSERT INTO audit_events (at, type, user_id, ip, user_agent, detail) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      if (!st) return std::unexpected(st.error());
      st->bind(1, e.at).bind(2, e.type).bind(4, e.ip).bind(5, e.user_agent).bind(6, e.detail);
      if (e.user_id) {
        st->bind_blob(3, *e.user_id);
      } else {
        st->bind_null(3);
      }
      if (auto done = run(*db_, lease, *st, "audit.append"); !done) {
        return std::unexpected(done.error());
      }
      return lease->last_insert_rowid();
    });
  }

  std::expected<std::vector<AuditEvent>, StoreError> query(const AuditQuery& q) override {
    // One statement text per combination of filters (at most 16, each cached once per
    // connection), so each can use its index instead of "?n IS NULL OR ..." scans.
    std::string sql =
        "SELECT id, at, type, user_id, ip, user_agent, detail FROM audit_events WHERE 1";
    if (q.before_id) sql += " AND id < ?1";
    if (q.user_id) sql += " AND user_id = ?2";
    if (!q.type.empty()) sql += " AND type = ?3";
    if (q.since) sql += " AND at >= ?5";
    sql += " ORDER BY id DESC LIMIT ?4";
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<AuditEvent>, StoreError> {
          auto st = prepare(*db_, lease, sql);
          if (!st) return std::unexpected(st.error());
          if (q.before_id) st->bind(1, *q.before_id);
          if (q.user_id) st->bind_blob(2, *q.user_id);
          if (!q.type.empty()) st->bind(3, q.type);
          if (q.since) st->bind(5, *q.since);
          st->bind(4, clamp_count(q.limit));
          std::vector<AuditEvent> out;
          for (;;) {
            int rc = st->step();
            if (rc == SQLITE_DONE) return out;
            if (rc != SQLITE_ROW) return std::unexpected(db_->fail(lease, rc, "audit.query"));
            Row row(*st);
            AuditEvent e;
            e.id = row.integer(0);
            e.at = row.integer(1);
            e.type = row.text(2);
            e.user_id = row.nullable_blob<16>(3);
            e.ip = row.text(4);
            e.user_agent = row.text(5);
            e.detail = row.text(6);
            if (!row.ok()) return std::unexpected(db_->corrupt("audit_events"));
            out.push_back(std::move(e));
          }
        });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before, std::size_t limit) override {
    // By the index on `at` (migration 0011); AUTOINCREMENT keeps ids from being reused.
    return write_changes(*db_, "audit.purge",
                         "DELETE FROM audit_events WHERE id IN "
                         "(SELECT id FROM audit_events WHERE at < ?1 LIMIT ?2)",
                         [&](Statement& st) { st.bind(1, before).bind(2, clamp_count(limit)); });
  }

  std::expected<bool, StoreError> remember_device(const UserId& user, std::string_view fingerprint,
                                                  std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<bool, StoreError> {
      // INSERT OR IGNORE under the write lock: exactly one of two concurrent first logins
      // inserts (changes() == 1); the other only moves last_seen.
      auto insert = prepare(*db_, lease,
                            "INSERT OR IGNORE INTO user_devices (user_id, fingerprint, "
                            "first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)");
      if (!insert) return std::unexpected(insert.error());
      insert->bind_blob(1, user).bind(2, fingerprint).bind(3, now);
      if (auto done = run(*db_, lease, *insert, "audit.remember_device"); !done) {
        return std::unexpected(done.error());
      }
      if (lease->changes() == 1) return true;
      auto seen = prepare(*db_, lease,
                          "UPDATE user_devices SET last_seen = max(last_seen, ?3) "
                          "WHERE user_id = ?1 AND fingerprint = ?2");
      if (!seen) return std::unexpected(seen.error());
      seen->bind_blob(1, user).bind(2, fingerprint).bind(3, now);
      if (auto done = run(*db_, lease, *seen, "audit.remember_device"); !done) {
        return std::unexpected(done.error());
      }
      return false;
    });
  }

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<AuditStore> make_audit_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteAuditStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
