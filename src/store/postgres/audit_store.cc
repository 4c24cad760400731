// AuditStore on PostgreSQL: append-only rows with identity ids, and the per-user device set.
#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

AuditEvent decode_event(Row& row) {
  AuditEvent e;
  e.id = row.integer(0);
  e.at = row.integer(1);
  e.type = row.text(2);
  e.user_id = row.nullable_blob<16>(3);
  e.ip = row.text(4);
  e.user_agent = row.bytes(5);
  e.detail = row.text(6);
  return e;
}

class PostgresAuditStore final : public AuditStore {
 public:
  explicit PostgresAuditStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<std::int64_t, StoreError> append(const AuditEvent& e) override {
    Params params;
    params.int8(e.at).text(e.type);
    if (e.user_id) {
      params.bytea(*e.user_id);
    } else {
      params.null(kByteaOid);
    }
    params.text(e.ip).bytea(e.user_agent).text(e.detail);
    return call(*pool_, "audit.append", [&](Op& op) -> std::expected<std::int64_t, StoreError> {
      auto result = op.exec(
          "INSERT INTO audit_events (at, type, user_id, ip, user_agent, detail) "
          "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          params);
      if (!result) return std::unexpected(result.error());
      return decode_single(op, *result, "audit_events", [](Row& row) { return row.integer(0); });
    });
  }

  std::expected<std::vector<AuditEvent>, StoreError> query(const AuditQuery& q) override {
    // One statement text per combination of filters (at most 16, each prepared once per
    // connection), so each can use its index instead of "$n IS NULL OR ..." scans.
    std::string sql =
        "SELECT id, at, type, user_id, ip, user_agent, detail FROM audit_events WHERE true";
    Params params;
    auto next = [&] { return " $" + std::to_string(params.size()); };
    if (q.before_id) {
      params.int8(*q.before_id);
      sql += " AND id <" + next();
    }
    if (q.user_id) {
      params.bytea(*q.user_id);
      sql += " AND user_id =" + next();
    }
    if (!q.type.empty()) {
      params.text(q.type);
      sql += " AND type =" + next();
    }
    if (q.since) {
      params.int8(*q.since);
      sql += " AND at >=" + next();
    }
    params.int8(clamp_count(q.limit));
    sql += " ORDER BY id DESC LIMIT" + next();
    return call(*pool_, "audit.query",
                [&](Op& op) -> std::expected<std::vector<AuditEvent>, StoreError> {
                  auto result = op.exec(sql, params);
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "audit_events", decode_event);
                });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before, std::size_t limit) override {
    // By the index on `at` (migration 0010); the id sequence never goes back.
    return changes(*pool_, "audit.purge",
                   "DELETE FROM audit_events WHERE id IN "
                   "(SELECT id FROM audit_events WHERE at < $1 LIMIT $2)",
                   Params().int8(before).int8(clamp_count(limit)));
  }

  std::expected<bool, StoreError> remember_device(const UserId& user, std::string_view fingerprint,
                                                  std::int64_t now) override {
    const Params params = Params().bytea(user).text(fingerprint).int8(now);
    return call(*pool_, "audit.remember_device", [&](Op& op) -> std::expected<bool, StoreError> {
      // A known device (the usual case): one statement.
      auto seen = exec_changes(op,
                               "UPDATE user_devices SET last_seen = greatest(last_seen, $3) "
                               "WHERE user_id = $1 AND fingerprint = $2",
                               params);
      if (!seen) return std::unexpected(seen.error());
      if (*seen == 1) return false;
      // New: of two concurrent first logins, the unique key lets exactly one insert.
      auto inserted = exec_changes(op,
                                   "INSERT INTO user_devices (user_id, fingerprint, first_seen, "
                                   "last_seen) VALUES ($1, $2, $3, $3) ON CONFLICT DO NOTHING",
                                   params);
      if (!inserted) return std::unexpected(inserted.error());
      return *inserted == 1;
    });
  }

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<AuditStore> make_audit_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresAuditStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
