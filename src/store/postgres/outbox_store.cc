// OutboxStore on PostgreSQL: the outbox table of migration 0009.
//
// claim() is one UPDATE over SELECT ... FOR UPDATE SKIP LOCKED: of concurrent claimers on any
// number of nodes, each locks different due rows (a row another claimer holds is skipped, not
// waited for), so every mail goes to one claimer and no claimer blocks on another. The
// outcomes are conditional UPDATEs on (id, status pending, claim).
#include "store/outbox_store.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// The columns decode_mail() reads, in this order.
constexpr std::string_view kMailColumns =
    "id, kind, recipient, user_id, sealed_message, status, created_at, next_attempt_at, "
    "claimed_until, attempts, finished_at, last_error";

const std::string kFindMail =
    std::string("SELECT ").append(kMailColumns).append(" FROM outbox WHERE id = $1");
const std::string kListMails =
    std::string("SELECT ").append(kMailColumns).append(" FROM outbox ORDER BY id DESC LIMIT $1");
const std::string kListMailsWithStatus =
    std::string("SELECT ")
        .append(kMailColumns)
        .append(" FROM outbox WHERE status = $2 ORDER BY id DESC LIMIT $1");
const std::string kClaimMails =
    std::string(
        "UPDATE outbox SET claim = $3, claimed_until = $2, attempts = attempts + 1 "
        "WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 "
        "AND claimed_until <= $1 ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) "
        "RETURNING ")
        .append(kMailColumns);
constexpr std::string_view kInsertMail =
    "INSERT INTO outbox (kind, recipient, user_id, sealed_message, status, created_at, "
    "next_attempt_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5) RETURNING id";

MailRecord decode_mail(Row& row) {
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
  m.status = status.value_or(MailStatus::kPending);
  return m;
}

class PostgresOutboxStore final : public OutboxStore {
 public:
  explicit PostgresOutboxStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<std::vector<MailId>, StoreError> enqueue(std::span<const OutgoingMail> mails,
                                                         std::int64_t now) override {
    return transaction(*pool_, "outbox.enqueue",
                       [&](Op& op) { return insert_mails(op, mails, now); });
  }

  std::expected<std::vector<MailRecord>, StoreError> claim(std::int64_t now, std::int64_t until,
                                                           const MailClaim& by,
                                                           std::size_t limit) override {
    return call(
        *pool_, "outbox.claim", [&](Op& op) -> std::expected<std::vector<MailRecord>, StoreError> {
          auto result = op.exec(kClaimMails,
                                Params().int8(now).int8(until).bytea(by).int8(clamp_count(limit)));
          if (!result) return std::unexpected(result.error());
          auto claimed = decode_rows(op, *result, "outbox", decode_mail);
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
    return change_one(*pool_, "outbox.mark_sent",
                      "UPDATE outbox SET status = 'sent', finished_at = $3, sealed_message = '', "
                      "claim = NULL, claimed_until = 0 "
                      "WHERE id = $1 AND claim = $2 AND status = 'pending'",
                      Params().int8(id).bytea(by).int8(now));
  }

  std::expected<void, StoreError> retry_at(MailId id, const MailClaim& by,
                                           std::int64_t next_attempt_at,
                                           std::string_view error) override {
    return change_one(
        *pool_, "outbox.retry_at",
        "UPDATE outbox SET next_attempt_at = $3, last_error = $4, claim = NULL, "
        "claimed_until = 0 WHERE id = $1 AND claim = $2 AND status = 'pending'",
        Params().int8(id).bytea(by).int8(next_attempt_at).text(clip_mail_error(error)));
  }

  std::expected<void, StoreError> mark_failed(MailId id, const MailClaim& by, std::int64_t now,
                                              std::string_view error) override {
    return change_one(*pool_, "outbox.mark_failed",
                      "UPDATE outbox SET status = 'failed', finished_at = $3, last_error = $4, "
                      "sealed_message = '', claim = NULL, claimed_until = 0 "
                      "WHERE id = $1 AND claim = $2 AND status = 'pending'",
                      Params().int8(id).bytea(by).int8(now).text(clip_mail_error(error)));
  }

  std::expected<MailRecord, StoreError> find(MailId id) override {
    return call(*pool_, "outbox.find", [&](Op& op) -> std::expected<MailRecord, StoreError> {
      auto result = op.exec(kFindMail, Params().int8(id));
      if (!result) return std::unexpected(result.error());
      return decode_first(op, *result, "outbox", decode_mail);
    });
  }

  std::expected<std::vector<MailRecord>, StoreError> list(std::optional<MailStatus> status,
                                                          std::size_t limit) override {
    return call(*pool_, "outbox.list",
                [&](Op& op) -> std::expected<std::vector<MailRecord>, StoreError> {
                  Params params;
                  params.int8(clamp_count(limit));
                  if (status) params.text(to_string(*status));
                  auto result = op.exec(status ? kListMailsWithStatus : kListMails, params);
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "outbox", decode_mail);
                });
  }

  std::expected<OutboxStats, StoreError> stats() override {
    return call(*pool_, "outbox.stats", [&](Op& op) -> std::expected<OutboxStats, StoreError> {
      auto result = op.exec(
          "SELECT count(*) FILTER (WHERE status = 'pending'), "
          "count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'), "
          "coalesce(min(created_at) FILTER (WHERE status = 'pending'), 0) FROM outbox");
      if (!result) return std::unexpected(result.error());
      return decode_single(op, *result, "outbox", [](Row& row) {
        const std::int64_t pending = row.integer(0);
        const std::int64_t sent = row.integer(1);
        const std::int64_t failed = row.integer(2);
        if (pending < 0 || sent < 0 || failed < 0) row.mark_corrupt();
        return OutboxStats{.pending = static_cast<std::size_t>(std::max<std::int64_t>(pending, 0)),
                           .sent = static_cast<std::size_t>(std::max<std::int64_t>(sent, 0)),
                           .failed = static_cast<std::size_t>(std::max<std::int64_t>(failed, 0)),
                           .oldest_pending_at = row.integer(3)};
      });
    });
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before) override {
    return changes(*pool_, "outbox.purge",
                   "DELETE FROM outbox WHERE status <> 'pending' AND finished_at < $1",
                   Params().int8(before));
  }

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::expected<std::vector<MailId>, StoreError> insert_mails(Op& op,
                                                            std::span<const OutgoingMail> mails,
                                                            std::int64_t now) {
  std::vector<MailId> ids;
  ids.reserve(mails.size());
  for (const OutgoingMail& mail : mails) {
    Params params;
    params.text(mail.kind).text(mail.recipient);
    if (mail.user_id) {
      params.bytea(*mail.user_id);
    } else {
      params.null(kByteaOid);
    }
    params.bytea(std::string_view(mail.sealed_message)).int8(now);
    auto result = op.exec(kInsertMail, params);
    if (!result) {  // the one constraint a valid mail can break: user_id names no user
      return std::unexpected(result.error() == StoreError::kConflict ? StoreError::kNotFound
                                                                     : result.error());
    }
    auto id = decode_single(op, *result, "outbox", [](Row& row) { return row.integer(0); });
    if (!id) return std::unexpected(id.error());
    ids.push_back(*id);
  }
  return ids;
}

std::shared_ptr<OutboxStore> make_outbox_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresOutboxStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
