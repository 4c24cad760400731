// SessionStore on PostgreSQL. create() with a limit inserts and evicts in one transaction that
// first takes a per-user advisory lock: two nodes creating sessions for one user at once take
// turns, so each counts the other's committed session and the user never ends above the limit
// (without it, two transactions could each see one session too many and evict the same one).
#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

constexpr std::string_view kFind =
    "SELECT id_hash, user_id, created_at, last_seen_at, auth_time, ip, user_agent, csrf_hash, "
    "amr FROM sessions WHERE id_hash = $1";
constexpr std::string_view kList =
    "SELECT id_hash, user_id, created_at, last_seen_at, auth_time, ip, user_agent, csrf_hash, "
    "amr FROM sessions WHERE user_id = $1 ORDER BY seq DESC";

// The key of `user`'s advisory lock: the last 8 of its 16 random bytes, so distinct users
// almost never share one (if they do, they only take turns). Tagged so that the small ids of
// tests do not land on small keys other code might use.
std::int64_t user_lock_key(const UserId& user) {
  std::uint64_t key = 0;
  for (std::size_t i = 8; i < user.size(); ++i) key = key << 8 | user[i];
  return static_cast<std::int64_t>(key ^ 0x5e55'1011'0000'0000);
}

Session decode_session(Row& row) {
  Session s;
  s.id_hash = row.blob<32>(0);
  s.user_id = row.blob<16>(1);
  s.created_at = row.integer(2);
  s.last_seen_at = row.integer(3);
  s.auth_time = row.integer(4);
  s.ip = row.text(5);
  s.user_agent = row.bytes(6);
  s.csrf_hash = row.blob<32>(7);
  s.amr = row.text(8);
  return s;
}

class PostgresSessionStore final : public SessionStore {
 public:
  explicit PostgresSessionStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<std::size_t, StoreError> create(const Session& s,
                                                std::size_t max_per_user) override {
    const Params insert = Params()
                              .bytea(s.id_hash)
                              .bytea(s.user_id)
                              .int8(s.created_at)
                              .int8(s.last_seen_at)
                              .int8(s.auth_time)
                              .text(s.ip)
                              .bytea(s.user_agent)
                              .bytea(s.csrf_hash)
                              .text(s.amr);
    constexpr std::string_view kInsert =
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, auth_time, ip, "
        "user_agent, csrf_hash, amr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    if (max_per_user == 0) {  // one statement: atomic alone
      auto inserted = changes(*pool_, "sessions.create", kInsert, insert);
      if (!inserted) return std::unexpected(inserted.error());  // kConflict: the id exists
      return std::size_t{0};
    }
    return transaction(
        *pool_, "sessions.create", [&](Op& op) -> std::expected<std::size_t, StoreError> {
          if (auto locked = op.exec("SELECT pg_advisory_xact_lock($1)",
                                    Params().int8(user_lock_key(s.user_id)));
              !locked) {
            return std::unexpected(locked.error());
          }
          if (auto inserted = op.exec(kInsert, insert); !inserted) {
            return std::unexpected(inserted.error());
          }
          // The oldest sessions other than the new one, as many as the user has too many.
          return exec_changes(
              op,
              "DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM "
              "sessions WHERE user_id = $1 AND id_hash <> $2 "
              "ORDER BY seq LIMIT greatest((SELECT count(*) "
              "FROM sessions WHERE user_id = $1) - $3, 0))",
              Params().bytea(s.user_id).bytea(s.id_hash).int8(clamp_count(max_per_user)));
        });
  }

  std::expected<Session, StoreError> find(const TokenHash& id_hash) override {
    return call(*pool_, "sessions.find", [&](Op& op) -> std::expected<Session, StoreError> {
      auto result = op.exec(kFind, Params().bytea(id_hash));
      if (!result) return std::unexpected(result.error());
      return decode_first(op, *result, "sessions", decode_session);
    });
  }

  std::expected<void, StoreError> touch(const TokenHash& id_hash, std::int64_t now) override {
    // greatest(): last_seen_at only moves forward, even if an older request finishes last.
    return one_session(
        changes(*pool_, "sessions.touch",
                "UPDATE sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id_hash = $1",
                Params().bytea(id_hash).int8(now)));
  }

  std::expected<void, StoreError> remove(const TokenHash& id_hash) override {
    return one_session(changes(*pool_, "sessions.remove", "DELETE FROM sessions WHERE id_hash = $1",
                               Params().bytea(id_hash)));
  }

  std::expected<std::size_t, StoreError> remove_all(const UserId& user,
                                                    const TokenHash* keep) override {
    Params params;
    params.bytea(user);
    if (keep != nullptr) {
      params.bytea(*keep);
    } else {
      params.null(kByteaOid);
    }
    return changes(*pool_, "sessions.remove_all",
                   "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id_hash <> $2)",
                   params);
  }

  std::expected<std::vector<Session>, StoreError> list(const UserId& user) override {
    return call(*pool_, "sessions.list",
                [&](Op& op) -> std::expected<std::vector<Session>, StoreError> {
                  auto result = op.exec(kList, Params().bytea(user));
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "sessions", decode_session);
                });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                               std::int64_t seen_before) override {
    return changes(*pool_, "sessions.purge",
                   "DELETE FROM sessions WHERE created_at < $1 OR last_seen_at < $2",
                   Params().int8(created_before).int8(seen_before));
  }

 private:
  // A statement on one session by its id: kNotFound if it changed nothing.
  static std::expected<void, StoreError> one_session(std::expected<std::size_t, StoreError> n) {
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<SessionStore> make_session_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresSessionStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
