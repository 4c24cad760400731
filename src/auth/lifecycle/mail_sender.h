// Delivers the outbox (store/outbox_store.h) on a thread of its own, so no request ever waits
// for an SMTP server (SPEC.md "Email": never blocking a request, never lost when the server is
// down).
//
// Each pass claims the due mails under a fresh random claim and a lease, opens each one
// (Mailer::open) and hands it to the transport (in production mail::SmtpClient::send), then
// records the outcome under the claim:
//   - accepted: mark_sent (the message erased);
//   - a transient failure (no connection, timeout, TLS, a 4xx reply): retry_at with
//     exponential backoff (first_backoff doubled per attempt, at most max_backoff), until
//     max_attempts, then mark_failed;
//   - a permanent failure (a 5xx reply, an envelope the server refuses), or a message that does
//     not open (another master key): mark_failed at once.
// Any number of nodes run a sender on one store: the claims keep each mail to one of them. A
// node that dies mid-send leaves its claimed mails to the others once the lease lapses
// (at-least-once, the message keeping its Message-ID).
//
// Passes run when woken (wake(): a mail was just enqueued on this node) and every
// `poll` otherwise (mails other nodes enqueued, retries coming due). A store failure ends the
// pass; the next one tries again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "auth/lifecycle/mailer.h"
#include "base/clock.h"
#include "store/outbox_store.h"

namespace tessera::auth {

// How a delivery attempt failed.
struct DeliveryFailure {
  bool permanent = false;
  std::string reason;  // for last_error and the log; never a secret
};

// Sends one message (envelope sender, recipient, RFC 5322 text). Blocking; thread-safe.
using MailTransport = std::function<std::expected<void, DeliveryFailure>(
    std::string_view from, std::string_view to, std::string_view message)>;

struct MailSenderConfig {
  std::chrono::seconds lease{300};  // longer than a send can take (the SMTP timeouts)
  std::size_t batch = 20;           // mails claimed per pass
  std::chrono::milliseconds poll{5000};
  std::int64_t max_attempts = 12;  // about a day with the backoff below
  std::chrono::seconds first_backoff{30};
  std::chrono::seconds max_backoff{3600 * 4};
};

class MailSender {
 public:
  MailSender(store::OutboxStore& outbox, const Mailer& mailer, MailTransport transport,
             const base::Clock& clock, MailSenderConfig config = {});
  ~MailSender();  // stop()s
  MailSender(const MailSender&) = delete;
  MailSender& operator=(const MailSender&) = delete;

  // Starts the thread (idempotent).
  void start();
  // Stops the thread after the pass in progress (which finishes its current send).
  void stop();
  // Runs a pass soon (after an enqueue on this node).
  void wake();

  // One pass on the calling thread: claims and delivers the due mails; how many it handled.
  // For the thread, and for tests.
  std::size_t run_once();

  // Counters since start (metrics): accepted by the server, failed for good, deferred.
  std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  std::uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  std::uint64_t retried() const { return retried_.load(std::memory_order_relaxed); }

  // The delay before attempt `attempts` + 1 after `attempts` failed ones.
  std::chrono::seconds backoff(std::int64_t attempts) const;

 private:
  void loop();
  void deliver(const store::MailRecord& mail, const store::MailClaim& claim);

  store::OutboxStore& outbox_;
  const Mailer& mailer_;
  MailTransport transport_;
  const base::Clock& clock_;
  MailSenderConfig config_;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> retried_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;     // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace tessera::auth
