// RevocationStore on SQLite. Every change and its log event are written in one BEGIN
// IMMEDIATE transaction, which also takes the next seq from revocation_log_state: seqs follow
// commit order across processes, and a follower never sees an event without its change.
#include <optional>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// revocation_events.kind
constexpr std::string_view kKindDenied = "denied";
constexpr std::string_view kKindNotBefore = "not_before";

class SqliteRevocationStore final : public RevocationStore {
 public:
  explicit SqliteRevocationStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> deny(std::string_view jti, std::int64_t expires_at,
                                       std::int64_t now) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      // In DO UPDATE, `expires_at` is the stored value: max() keeps the later expiry.
      auto st = prepare(*db_, lease,
                        "INSERT INTO denied_tokens (jti, expires_at) VALUES (?1, ?2) "
                        "ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, ?2) "
                        "RETURNING expires_at");
      if (!st) return std::unexpected(st.error());
      st->bind(1, jti).bind(2, expires_at);
      auto kept = returned_integer(*db_, lease, *st, "revocations.deny", "denied_tokens");
      if (!kept) return std::unexpected(kept.error());
      return append_event(lease, RevocationEvent{.at = now,
                                                 .kind = RevocationEvent::Kind::kDenied,
                                                 .jti = std::string(jti),
                                                 .expires_at = *kept});
    });
  }

  std::expected<bool, StoreError> is_denied(std::string_view jti, std::int64_t now) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<bool, StoreError> {
      auto st =
          prepare(*db_, lease, "SELECT 1 FROM denied_tokens WHERE jti = ?1 AND expires_at >= ?2");
      if (!st) return std::unexpected(st.error());
      st->bind(1, jti).bind(2, now);
      return step_row(*db_, lease, *st, "revocations.is_denied");
    });
  }

  std::expected<void, StoreError> set_not_before(const UserId& user,
                                                 std::int64_t not_before_ms) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      // Only a raise writes a row (the WHERE of DO UPDATE; a new user's 0 is raised by any
      // positive value), and only a written row is logged.
      auto st = prepare(*db_, lease,
                        "INSERT INTO user_not_before (user_id, not_before_ms) "
                        "SELECT ?1, ?2 WHERE ?2 > 0 "
                        "ON CONFLICT (user_id) DO UPDATE SET not_before_ms = ?2 "
                        "WHERE not_before_ms < ?2");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user).bind(2, not_before_ms);
      if (auto done = run(*db_, lease, *st, "revocations.set_not_before"); !done) return done;
      if (lease->changes() == 0) return {};
      return append_event(lease, RevocationEvent{.at = not_before_ms / 1000,
                                                 .kind = RevocationEvent::Kind::kNotBefore,
                                                 .user = user,
                                                 .not_before_ms = not_before_ms});
    });
  }

  std::expected<std::int64_t, StoreError> not_before(const UserId& user) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<std::int64_t, StoreError> {
      auto st =
          prepare(*db_, lease, "SELECT not_before_ms FROM user_not_before WHERE user_id = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user);
      auto found = step_row(*db_, lease, *st, "revocations.not_before");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::int64_t{0};
      Row row(*st);
      const std::int64_t ms = row.integer(0);
      if (!row.ok()) return std::unexpected(db_->corrupt("user_not_before"));
      return ms;
    });
  }

  std::expected<RevocationSnapshot, StoreError> snapshot(std::int64_t now) override {
    return db_->read_transaction(
        [&](Database::Lease& lease) -> std::expected<RevocationSnapshot, StoreError> {
          auto state = log_state(lease);
          if (!state) return std::unexpected(state.error());
          RevocationSnapshot snap{.seq = state->last_seq};

          auto denied = prepare(*db_, lease,
                                "SELECT jti, expires_at FROM denied_tokens WHERE expires_at >= ?1");
          if (!denied) return std::unexpected(denied.error());
          denied->bind(1, now);
          auto entries = collect<DeniedToken>(
              *db_, lease, *denied, "revocations.snapshot",
              [&](const Statement& s) -> std::expected<DeniedToken, StoreError> {
                Row row(s);
                DeniedToken d{.jti = row.text(0), .expires_at = row.integer(1)};
                if (!row.ok()) return std::unexpected(db_->corrupt("denied_tokens"));
                return d;
              });
          if (!entries) return std::unexpected(entries.error());
          snap.denied = std::move(*entries);

          auto users = prepare(*db_, lease, "SELECT user_id, not_before_ms FROM user_not_before");
          if (!users) return std::unexpected(users.error());
          auto not_before = collect<UserNotBefore>(
              *db_, lease, *users, "revocations.snapshot",
              [&](const Statement& s) -> std::expected<UserNotBefore, StoreError> {
                Row row(s);
                UserNotBefore n{.user = row.blob<16>(0), .not_before_ms = row.integer(1)};
                if (!row.ok()) return std::unexpected(db_->corrupt("user_not_before"));
                return n;
              });
          if (!not_before) return std::unexpected(not_before.error());
          snap.not_before = std::move(*not_before);
          return snap;
        });
  }

  std::expected<std::vector<RevocationEvent>, StoreError> events_after(std::int64_t after,
                                                                       std::size_t limit) override {
    // The position check and the events must agree (a purge in between would hide events).
    return db_->read_transaction(
        [&](Database::Lease& lease) -> std::expected<std::vector<RevocationEvent>, StoreError> {
          auto state = log_state(lease);
          if (!state) return std::unexpected(state.error());
          if (after < state->purged_through || after > state->last_seq) {
            return std::unexpected(StoreError::kNotFound);
          }
          auto st = prepare(*db_, lease,
                            "SELECT seq, at, kind, jti, expires_at, user_id, not_before_ms "
                            "FROM revocation_events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
          if (!st) return std::unexpected(st.error());
          st->bind(1, after).bind(2, clamp_count(limit));
          return collect<RevocationEvent>(*db_, lease, *st, "revocations.events_after",
                                          [&](const Statement& s) { return decode_event(s); });
        });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t now, std::int64_t log_before) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<std::size_t, StoreError> {
      auto denied = prepare(*db_, lease, "DELETE FROM denied_tokens WHERE expires_at < ?1");
      if (!denied) return std::unexpected(denied.error());
      denied->bind(1, now);
      if (auto done = run(*db_, lease, *denied, "revocations.purge"); !done) {
        return std::unexpected(done.error());
      }
      std::size_t removed = static_cast<std::size_t>(lease->changes());

      // Remember the newest seq deleted first: it is what tells a follower it fell behind.
      auto mark = prepare(*db_, lease,
                          "UPDATE revocation_log_state SET purged_through = max(purged_through, "
                          "coalesce((SELECT max(seq) FROM revocation_events WHERE at < ?1), 0)) "
                          "WHERE id = 1");
      if (!mark) return std::unexpected(mark.error());
      mark->bind(1, log_before);
      if (auto done = run(*db_, lease, *mark, "revocations.purge"); !done) {
        return std::unexpected(done.error());
      }
      auto events = prepare(*db_, lease, "DELETE FROM revocation_events WHERE at < ?1");
      if (!events) return std::unexpected(events.error());
      events->bind(1, log_before);
      if (auto done = run(*db_, lease, *events, "revocations.purge"); !done) {
        return std::unexpected(done.error());
      }
      removed += static_cast<std::size_t>(lease->changes());
      return removed;
    });
  }

 private:
  struct LogState {
    std::int64_t last_seq = 0;
    std::int64_t purged_through = 0;
  };

  std::expected<LogState, StoreError> log_state(Database::Lease& lease) {
    auto st = prepare(*db_, lease,
                      "SELECT last_seq, purged_through FROM revocation_log_state WHERE id = 1");
    if (!st) return std::unexpected(st.error());
    auto found = step_row(*db_, lease, *st, "revocations.log_state");
    if (!found) return std::unexpected(found.error());
    if (!*found)
      return std::unexpected(db_->corrupt("revocation_log_state"));  // the migration's row
    Row row(*st);
    LogState s{.last_seq = row.integer(0), .purged_through = row.integer(1)};
    if (!row.ok()) return std::unexpected(db_->corrupt("revocation_log_state"));
    return s;
  }

  // Appends `e` to the log with the next seq. REQUIRES: inside the caller's write transaction.
  std::expected<void, StoreError> append_event(Database::Lease& lease, const RevocationEvent& e) {
    auto next = prepare(*db_, lease,
                        "UPDATE revocation_log_state SET last_seq = last_seq + 1 WHERE id = 1 "
                        "RETURNING last_seq");
    if (!next) return std::unexpected(next.error());
    auto seq = returned_integer(*db_, lease, *next, "revocations.log", "revocation_log_state");
    if (!seq) return std::unexpected(seq.error());

    auto st = prepare(*db_, lease,
                      "INSERT INTO revocation_events (seq, at, kind, jti, expires_at, user_id, "
                      "not_before_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return std::unexpected(st.error());
    const bool denied = e.kind == RevocationEvent::Kind::kDenied;
    st->bind(1, *seq)
        .bind(2, e.at)
        .bind(3, denied ? kKindDenied : kKindNotBefore)
        .bind(4, e.jti)
        .bind(5, e.expires_at)
        .bind(7, e.not_before_ms);
    if (denied) {
      st->bind_null(6);
    } else {
      st->bind_blob(6, e.user);
    }
    return run(*db_, lease, *st, "revocations.log");
  }

  std::expected<RevocationEvent, StoreError> decode_event(const Statement& st) {
    Row row(st);
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
    if (!row.ok()) return std::unexpected(db_->corrupt("revocation_events"));
    return e;
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<RevocationStore> make_revocation_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteRevocationStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
