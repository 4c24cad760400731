// OutboxStore on SQLite: the outbox table of migration 0010.
//
// claim() is one UPDATE ... WHERE id IN (SELECT the due mails LIMIT n) RETURNING inside a write
// transaction: writes are serialised across threads and processes, so two claimers never see
// one mail as free. The outcomes are conditional UPDATEs on (id, status pending, claim).
#include "store/outbox_store.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// The columns decode_mail() reads, in this order.
constexpr std::string_view kMailColumns =
    "id, kind, recipient, user_id, sealed_message, status, created_at, next_attempt_at, "
    "claimed_until, attempts, finished_at, last_error";

const std::string kFindMail =
    std::string("SELECT ").append(kMailColumns).append(" FROM outbox WHERE id = ?1");
const std::string kListMails =
    std::string("SELECT ").append(kMailColumns).append(" FROM outbox ORDER BY id DESC LIMIT ?1");
const std::string kListMailsWithStatus =
    std::string("SELECT ")
        .append(kMailColumns)
        .append(" FROM outbox WHERE status = ?2 ORDER BY id DESC LIMIT ?1");
const std::string kClaimMails =
    std::string(
        "UPDATE outbox SET claim = ?3, claimed_until = ?2, attempts = attempts + 1 "
        "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1 "
        "AND claimed_until <= ?1 ORDER BY next_attempt_at, id LIMIT ?4) RETURNING ")
        .append(kMailColumns);

std::expected<MailRecord, StoreError> decode_mail(Database& db, const Statement& st) {
  Row row(st);
  MailRecord m;
  m.id = row.integer(0);
  m.kind = row.text(1);
  m.recipient = row.text(2);
  m.user_id = row.nullable_blob<16>(3);
  m.sealed_message = row.bytes(4);
  const auto status = parse_mail_status(row.text(5));
  m.created_at = row.integer(6);
  m.next_attempt_at = row.integer(7);
  m.claimed_until = row.integer(8);
  m.attempts = row.integer(9);
  m.finished_at = row.integer(10);
  m.last_error = row.text(11);
  if (!status) row.mark_corrupt();
  if (!row.ok()) return std::unexpected(db.corrupt("outbox"));
  m.status = *status;
  return m;
}

class SqliteOutboxStore final : public OutboxStore {
 public:
  explicit SqliteOutboxStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<std::vector<MailId>, StoreError> enqueue(std::span<const OutgoingMail> mails,
                                                         std::int64_t now) override {
    return db_->write(
        [&](Database::Lease& lease) { return insert_mails(*db_, lease, mails, now); });
  }

  std::expected<std::vector<MailRecord>, StoreError> claim(std::int64_t now, std::int64_t until,
                                                           const MailClaim& by,
                                                           std::size_t limit) override {
    return db_->write(
        [&](Database::Lease& lease) -> std::expected<std::vector<MailRecord>, StoreError> {
          auto st = prepare(*db_, lease, kClaimMails);
          if (!st) return std::unexpected(st.error());
          st->bind(1, now).bind(2, until).bind_blob(3, by).bind(4, clamp_count(limit));
          auto claimed =
              collect<MailRecord>(*db_, lease, *st, "outbox.claim",
                                  [&](const Statement& s) { return decode_mail(*db_, s); });
          if (!claimed) return claimed;
          // RETURNING gives no order: oldest first, as promised.
          std::sort(claimed->begin(), claimed->end(), [](const MailRecord& a, const MailRecord& b) {
            return std::pair(a.next_attempt_at, a.id) < std::pair(b.next_attempt_at, b.id);
          });
          return claimed;
        });
  }

  std::expected<void, StoreError> mark_sent(MailId id, const MailClaim& by,
                                            std::int64_t now) override {
    return outcome("outbox.mark_sent",
                   "UPDATE outbox SET status = 'sent', finished_at = ?3, sealed_message = X'', "
                   "claim = NULL, claimed_until = 0 "
                   "WHERE id = ?1 AND claim = ?2 AND status = 'pending'",
                   id, by, [&](Statement& st) { st.bind(3, now); });
  }

  std::expected<void, StoreError> retry_at(MailId id, const MailClaim& by,
                                           std::int64_t next_attempt_at,
                                           std::string_view error) override {
    const std::string clipped = clip_mail_error(error);
    return outcome("outbox.retry_at",
                   "UPDATE outbox SET next_attempt_at = ?3, last_error = ?4, claim = NULL, "
                   "claimed_until = 0 WHERE id = ?1 AND claim = ?2 AND status = 'pending'",
                   id, by, [&](Statement& st) { st.bind(3, next_attempt_at).bind(4, clipped); });
  }

  std::expected<void, StoreError> mark_failed(MailId id, const MailClaim& by, std::int64_t now,
                                              std::string_view error) override {
    const std::string clipped = clip_mail_error(error);
    return outcome("outbox.mark_failed",
                   "UPDATE outbox SET status = 'failed', finished_at = ?3, last_error = ?4, "
                   "sealed_message = X'', claim = NULL, claimed_until = 0 "
                   "WHERE id = ?1 AND claim = ?2 AND status = 'pending'",
                   id, by, [&](Statement& st) { st.bind(3, now).bind(4, clipped); });
  }

  std::expected<MailRecord, StoreError> find(MailId id) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<MailRecord, StoreError> {
      auto st = prepare(*db_, lease, kFindMail);
      if (!st) return std::unexpected(st.error());
      st->bind(1, id);
      auto found = step_row(*db_, lease, *st, "outbox.find");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return decode_mail(*db_, *st);
    });
  }

  std::expected<std::vector<MailRecord>, StoreError> list(std::optional<MailStatus> status,
                                                          std::size_t limit) override {
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<MailRecord>, StoreError> {
          auto st = prepare(*db_, lease, status ? kListMailsWithStatus : kListMails);
          if (!st) return std::unexpected(st.error());
          st->bind(1, clamp_count(limit));
          if (status) st->bind(2, to_string(*status));
          return collect<MailRecord>(*db_, lease, *st, "outbox.list",
                                     [&](const Statement& s) { return decode_mail(*db_, s); });
        });
  }

  std::expected<OutboxStats, StoreError> stats() override {
    return db_->read([&](Database::Lease& lease) -> std::expected<OutboxStats, StoreError> {
      auto st = prepare(*db_, lease,
                        "SELECT count(*) FILTER (WHERE status = 'pending'), "
                        "count(*) FILTER (WHERE status = 'sent'), "
                        "count(*) FILTER (WHERE status = 'failed'), "
                        "coalesce(min(created_at) FILTER (WHERE status = 'pending'), 0) "
                        "FROM outbox");
      if (!st) return std::unexpected(st.error());
      auto found = step_row(*db_, lease, *st, "outbox.stats");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(db_->corrupt("outbox"));
      Row row(*st);
      const std::int64_t pending = row.integer(0);
      const std::int64_t sent = row.integer(1);
      const std::int64_t failed = row.integer(2);
      OutboxStats s{.oldest_pending_at = row.integer(3)};
      if (!row.ok() || pending < 0 || sent < 0 || failed < 0) {
        return std::unexpected(db_->corrupt("outbox"));
      }
      s.pending = static_cast<std::size_t>(pending);
      s.sent = static_cast<std::size_t>(sent);
      s.failed = static_cast<std::size_t>(failed);
      return s;
    });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before) override {
    return write_changes(*db_, "outbox.purge",
                         "DELETE FROM outbox WHERE status <> 'pending' AND finished_at < ?1",
                         [&](Statement& st) { st.bind(1, before); });
  }

 private:
  // One outcome UPDATE for mail `id` under claim `by`; kNotFound if it changed nothing.
  template <typename Bind>
  std::expected<void, StoreError> outcome(std::string_view what, std::string_view sql, MailId id,
                                          const MailClaim& by, Bind&& bind) {
    auto changed = write_changes(*db_, what, sql, [&](Statement& st) {
      st.bind(1, id).bind_blob(2, by);
      bind(st);
    });
    if (!changed) return std::unexpected(changed.error());
    if (*changed == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::expected<std::vector<MailId>, StoreError> insert_mails(Database& db, Database::Lease& lease,
                                                            std::span<const OutgoingMail> mails,
                                                            std::int64_t now) {
  std::vector<MailId> ids;
  ids.reserve(mails.size());
  for (const OutgoingMail& mail : mails) {
    auto st = prepare(db, lease,
                      "INSERT INTO outbox (kind, recipient, user_id, sealed_message, status, "
                      "created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5) "
                      "RETURNING id");
    if (!st) return std::unexpected(st.error());
    st->bind(1, mail.kind).bind(2, mail.recipient);
    if (mail.user_id) {
      st->bind_blob(3, *mail.user_id);
    } else {
      st->bind_null(3);
    }
    st->bind_blob(4, as_bytes(mail.sealed_message)).bind(5, now);
    auto id = returned_integer(db, lease, *st, "outbox.enqueue", "outbox");
    if (!id) {  // the one constraint a valid mail can break: user_id names no user
      return std::unexpected(id.error() == StoreError::kConflict ? StoreError::kNotFound
                                                                 : id.error());
    }
    ids.push_back(*id);
  }
  return ids;
}

std::shared_ptr<OutboxStore> make_outbox_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteOutboxStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
