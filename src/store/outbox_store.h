// The mail outbox (SPEC.md "Email"): every message Tessera sends is first a row here, committed
// in the same transaction as the change that caused it (store/account_token_store.h), and only
// then delivered by a sender thread (auth/lifecycle/mail_sender.h). So a mail is never lost when
// the SMTP server is down or the node dies, and never sent for a change that did not commit.
// Implementations: memory/, sqlite/, postgres/ - always the backend that keeps the users, also
// when a cache is configured. Thread-safe; every method completes entirely or changes nothing.
//
// Delivery, with any number of nodes: a sender CLAIMS due mails (claim()) under a random claim
// token and a lease; of concurrent claimers each mail goes to exactly one. The claimer reports
// the outcome under its token (mark_sent, retry_at, mark_failed): a report whose claim lapsed
// (the lease ran out and another node claimed the mail) is refused with kNotFound and changes
// nothing, so a mail is marked sent once. SMTP itself is not transactional: a node that dies
// after the server accepted a mail and before mark_sent commits leaves it to be sent again when
// the lease lapses (at-least-once; the message keeps its Message-ID, so receivers can tell).
//
// What is stored is never usable alone: the message arrives SEALED by the auth layer
// (crypto/aead.h under the master key; it holds links with live tokens), and is erased as soon
// as the mail is sent or has failed for good. Recipient and kind stay for the operator's lists.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

using MailId = std::int64_t;  // assigned by the store, increasing in enqueue order, from 1
// A sender's claim on the mails it is delivering (16 random bytes from the caller).
using MailClaim = std::array<std::uint8_t, 16>;
// last_error is cut to this many bytes (at a UTF-8 boundary) by the store.
inline constexpr std::size_t kMaxMailErrorBytes = 500;

// What a caller enqueues.
struct OutgoingMail {
  std::string kind;               // "verify_email", "reset_password", ...: lists and metrics
  std::string recipient;          // the envelope recipient (RCPT TO), a normalized address
  std::optional<UserId> user_id;  // the user the mail concerns, if any (removed with them)
  std::string sealed_message;     // bytes: the rendered RFC 5322 message, sealed
};

enum class MailStatus : std::uint8_t {
  kPending,  // waiting for a delivery (first or again)
  kSent,     // the SMTP server accepted it
  kFailed,   // refused for good (a permanent SMTP error); not tried again
};

std::string_view to_string(MailStatus s);  // "pending" | "sent" | "failed"
std::optional<MailStatus> parse_mail_status(std::string_view text);
// `error` cut to kMaxMailErrorBytes at a UTF-8 character boundary (what the stores keep).
std::string clip_mail_error(std::string_view error);

struct MailRecord {
  MailId id = 0;
  std::string kind;
  std::string recipient;
  std::optional<UserId> user_id;
  std::string sealed_message;  // empty once sent or failed
  MailStatus status = MailStatus::kPending;
  std::int64_t created_at = 0;       // Unix seconds: enqueued
  std::int64_t next_attempt_at = 0;  // due from then (pending only)
  std::int64_t claimed_until = 0;    // the current claim's lease end; 0: never claimed
  std::int64_t attempts = 0;         // claims so far
  std::int64_t finished_at = 0;      // sent or failed at; 0 while pending
  std::string last_error;            // the last failed attempt's reason; no secrets
};

struct OutboxStats {
  std::size_t pending = 0;
  std::size_t sent = 0;
  std::size_t failed = 0;
  std::int64_t oldest_pending_at = 0;  // created_at of the oldest pending mail; 0: none
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // Enqueues `mails` at `now` (due at once), in one transaction; their ids in order. For a mail
  // with no other change to commit with (a notice). kNotFound if a user_id names no user
  // (nothing is enqueued). REQUIRES: non-empty kind and recipient.
  virtual std::expected<std::vector<MailId>, StoreError> enqueue(
      std::span<const OutgoingMail> mails, std::int64_t now) = 0;

  // Claims at most `limit` pending mails that are due (next_attempt_at <= now) and not under a
  // live claim (claimed_until <= now), oldest first: each gets claim = `claim`, claimed_until =
  // `until` and attempts + 1. Of concurrent calls (threads, processes, nodes) each mail goes to
  // one. REQUIRES: until > now.
  virtual std::expected<std::vector<MailRecord>, StoreError> claim(std::int64_t now,
                                                                   std::int64_t until,
                                                                   const MailClaim& by,
                                                                   std::size_t limit) = 0;

  // The outcomes of a delivery, each only while mail `id` is pending under `claim` (else
  // kNotFound, nothing changed):
  //   mark_sent: status sent, finished_at = now, the sealed message erased;
  //   retry_at: still pending, due at `next_attempt_at`, the claim released, last_error set;
  //   mark_failed: status failed, finished_at = now, the message erased, last_error set.
  virtual std::expected<void, StoreError> mark_sent(MailId id, const MailClaim& by,
                                                    std::int64_t now) = 0;
  virtual std::expected<void, StoreError> retry_at(MailId id, const MailClaim& by,
                                                   std::int64_t next_attempt_at,
                                                   std::string_view error) = 0;
  virtual std::expected<void, StoreError> mark_failed(MailId id, const MailClaim& by,
                                                      std::int64_t now, std::string_view error) = 0;

  // One mail; kNotFound if absent.
  virtual std::expected<MailRecord, StoreError> find(MailId id) = 0;
  // At most `limit` mails, newest first; only those with `status` if given.
  virtual std::expected<std::vector<MailRecord>, StoreError> list(std::optional<MailStatus> status,
                                                                  std::size_t limit) = 0;
  virtual std::expected<OutboxStats, StoreError> stats() = 0;
  // Deletes the sent and failed mails finished before `before`; how many.
  virtual std::expected<std::size_t, StoreError> purge(std::int64_t before) = 0;
};

}  // namespace tessera::store
