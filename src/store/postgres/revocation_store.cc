// RevocationStore on PostgreSQL. Every change and its log event are written in one transaction
// whose FIRST statement takes the next seq by updating revocation_log_state's single row. That
// row lock is held until commit, so writers on every node take turns: a seq is handed out only
// after the previous one committed, seqs are strictly increasing in commit order, and a
// follower that has read seq n never later finds an event below n appear (a PostgreSQL
// sequence would allow exactly that). purge() takes the same lock first; no transaction here
// waits for another row while holding it, so the order cannot deadlock.
//
// Reads of several statements that must agree (snapshot, events_after) run in one REPEATABLE
// READ transaction: one snapshot, which holds every transaction committed before it and none
// after, i.e. a prefix of the log in seq order.
#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// revocation_events.kind
constexpr std::string_view kKindDenied = "denied";
constexpr std::string_view kKindNotBefore = "not_before";

struct LogState {
  std::int64_t last_seq = 0;
  std::int64_t purged_through = 0;
};

RevocationEvent decode_event(Row& row) {
  RevocationEvent e;
  e.seq = row.integer(0);
  e.at = row.integer(1);
  const std::string kind = row.text(2);
  e.jti = row.text(3);
  e.expires_at = row.integer(4);
  const auto user = row.nullable_blob<16>(5);
  e.not_before_ms = row.integer(6);
  if (kind == kKindDenied && !user) {
    e.kind = RevocationEvent::Kind::kDenied;
  } else if (kind == kKindNotBefore && user) {
    e.kind = RevocationEvent::Kind::kNotBefore;
    e.user = *user;
  } else {
    row.mark_corrupt();
  }
  return e;
}

std::int64_t decode_integer(Row& row) { return row.integer(0); }

class PostgresRevocationStore final : public RevocationStore {
 public:
  explicit PostgresRevocationStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> deny(std::string_view jti, std::int64_t expires_at,
                                       std::int64_t now) override {
    return transaction(*pool_, "revocations.deny", [&](Op& op) -> std::expected<void, StoreError> {
      auto seq = next_seq(op);
      if (!seq) return std::unexpected(seq.error());
      // In DO UPDATE, d.* is the stored row: greatest() keeps the later expiry.
      auto kept = op.exec(
          "INSERT INTO denied_tokens AS d (jti, expires_at) VALUES ($1, $2) "
          "ON CONFLICT (jti) DO UPDATE SET expires_at = greatest(d.expires_at, $2) "
          "RETURNING expires_at",
          Params().text(jti).int8(expires_at));
      if (!kept) return std::unexpected(kept.error());
      auto expiry = decode_single(op, *kept, "denied_tokens", decode_integer);
      if (!expiry) return std::unexpected(expiry.error());
      return append_event(op, RevocationEvent{.seq = *seq,
                                              .at = now,
                                              .kind = RevocationEvent::Kind::kDenied,
                                              .jti = std::string(jti),
                                              .expires_at = *expiry});
    });
  }

  std::expected<bool, StoreError> is_denied(std::string_view jti, std::int64_t now) override {
    return call(*pool_, "revocations.is_denied", [&](Op& op) -> std::expected<bool, StoreError> {
      auto result =
          op.exec("SELECT expires_at FROM denied_tokens WHERE jti = $1 AND expires_at >= $2",
                  Params().text(jti).int8(now));
      if (!result) return std::unexpected(result.error());
      return result->rows() > 0;
    });
  }

  std::expected<void, StoreError> set_not_before(const UserId& user,
                                                 std::int64_t not_before_ms) override {
    return transaction(
        *pool_, "revocations.set_not_before", [&](Op& op) -> std::expected<void, StoreError> {
          auto seq = next_seq(op);
          if (!seq) return std::unexpected(seq.error());
          // Only a raise writes a row (the WHERE of DO UPDATE; a user without one is raised by
          // any positive value).
          auto raised = exec_changes(
              op,
              "INSERT INTO user_not_before AS n (user_id, not_before_ms) SELECT $1, $2 "
              "WHERE $2 > 0 ON CONFLICT (user_id) DO UPDATE SET not_before_ms = $2 "
              "WHERE n.not_before_ms < $2",
              Params().bytea(user).int8(not_before_ms));
          if (!raised) return std::unexpected(raised.error());
          if (*raised == 0) {  // no raise: nothing changes, nothing is logged, no seq is used
            op.rollback();
            return {};
          }
          return append_event(op, RevocationEvent{.seq = *seq,
                                                  .at = not_before_ms / 1000,
                                                  .kind = RevocationEvent::Kind::kNotBefore,
                                                  .user = user,
                                                  .not_before_ms = not_before_ms});
        });
  }

  std::expected<std::int64_t, StoreError> not_before(const UserId& user) override {
    return call(
        *pool_, "revocations.not_before", [&](Op& op) -> std::expected<std::int64_t, StoreError> {
          auto result = op.exec("SELECT not_before_ms FROM user_not_before WHERE user_id = $1",
                                Params().bytea(user));
          if (!result) return std::unexpected(result.error());
          auto ms = decode_first(op, *result, "user_not_before", decode_integer);
          if (!ms && ms.error() == StoreError::kNotFound) return std::int64_t{0};
          return ms;
        });
  }

  std::expected<RevocationSnapshot, StoreError> snapshot(std::int64_t now) override {
    return transaction(
        *pool_, "revocations.snapshot",
        [&](Op& op) -> std::expected<RevocationSnapshot, StoreError> {
          auto state = log_state(op);
          if (!state) return std::unexpected(state.error());
          auto denied = op.exec("SELECT jti, expires_at FROM denied_tokens WHERE expires_at >= $1",
                                Params().int8(now));
          if (!denied) return std::unexpected(denied.error());
          auto entries = decode_rows(op, *denied, "denied_tokens", [](Row& row) {
            return DeniedToken{.jti = row.text(0), .expires_at = row.integer(1)};
          });
          if (!entries) return std::unexpected(entries.error());
          auto users = op.exec("SELECT user_id, not_before_ms FROM user_not_before");
          if (!users) return std::unexpected(users.error());
          auto not_before = decode_rows(op, *users, "user_not_before", [](Row& row) {
            return UserNotBefore{.user = row.blob<16>(0), .not_before_ms = row.integer(1)};
          });
          if (!not_before) return std::unexpected(not_before.error());
          return RevocationSnapshot{.seq = state->last_seq,
                                    .denied = std::move(*entries),
                                    .not_before = std::move(*not_before)};
        },
        Op::Isolation::kRepeatableReadOnly);
  }

  std::expected<std::vector<RevocationEvent>, StoreError> events_after(std::int64_t after,
                                                                       std::size_t limit) override {
    // The position check and the events must agree (a purge in between would hide events).
    return transaction(
        *pool_, "revocations.events_after",
        [&](Op& op) -> std::expected<std::vector<RevocationEvent>, StoreError> {
          auto state = log_state(op);
          if (!state) return std::unexpected(state.error());
          if (after < state->purged_through || after > state->last_seq) {
            return std::unexpected(StoreError::kNotFound);
          }
          auto result = op.exec(
              "SELECT seq, at, kind, jti, expires_at, user_id, not_before_ms "
              "FROM revocation_events WHERE seq > $1 ORDER BY seq LIMIT $2",
              Params().int8(after).int8(clamp_count(limit)));
          if (!result) return std::unexpected(result.error());
          return decode_rows(op, *result, "revocation_events", decode_event);
        },
        Op::Isolation::kRepeatableReadOnly);
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t now, std::int64_t log_before) override {
    return transaction(
        *pool_, "revocations.purge", [&](Op& op) -> std::expected<std::size_t, StoreError> {
          // First (the writers' lock), the newest seq about to be deleted: what tells a follower
          // it fell behind.
          auto marked = op.exec(
              "UPDATE revocation_log_state SET purged_through = greatest(purged_through, "
              "coalesce((SELECT max(seq) FROM revocation_events WHERE at < $1), 0)) "
              "WHERE id = 1",
              Params().int8(log_before));
          if (!marked) return std::unexpected(marked.error());
          auto denied = exec_changes(op, "DELETE FROM denied_tokens WHERE expires_at < $1",
                                     Params().int8(now));
          if (!denied) return std::unexpected(denied.error());
          auto events = exec_changes(op, "DELETE FROM revocation_events WHERE at < $1",
                                     Params().int8(log_before));
          if (!events) return std::unexpected(events.error());
          return *denied + *events;
        });
  }

 private:
  static std::expected<LogState, StoreError> log_state(Op& op) {
    auto result = op.exec("SELECT last_seq, purged_through FROM revocation_log_state WHERE id = 1");
    if (!result) return std::unexpected(result.error());
    return decode_single(op, *result, "revocation_log_state", [](Row& row) {
      return LogState{.last_seq = row.integer(0), .purged_through = row.integer(1)};
    });
  }

  // The next seq, locking the log for the rest of the transaction. REQUIRES: the first write
  // of the caller's transaction.
  static std::expected<std::int64_t, StoreError> next_seq(Op& op) {
    auto result = op.exec(
        "UPDATE revocation_log_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq");
    if (!result) return std::unexpected(result.error());
    return decode_single(op, *result, "revocation_log_state", decode_integer);
  }

  // Appends `e` (with its seq from next_seq()). REQUIRES: inside that transaction.
  static std::expected<void, StoreError> append_event(Op& op, const RevocationEvent& e) {
    const bool denied = e.kind == RevocationEvent::Kind::kDenied;
    Params params;
    params.int8(e.seq).int8(e.at).text(denied ? kKindDenied : kKindNotBefore).text(e.jti);
    params.int8(e.expires_at);
    if (denied) {
      params.null(kByteaOid);
    } else {
      params.bytea(e.user);
    }
    params.int8(e.not_before_ms);
    auto inserted = op.exec(
        "INSERT INTO revocation_events (seq, at, kind, jti, expires_at, user_id, not_before_ms) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params);
    if (!inserted) return std::unexpected(inserted.error());
    return {};
  }

  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<RevocationStore> make_revocation_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresRevocationStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
