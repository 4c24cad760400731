#include "auth/lifecycle/mail_sender.h"

#include <algorithm>
#include <utility>

#include "crypto/hash.h"

namespace tessera::auth {

MailSender::MailSender(store::OutboxStore& outbox, const Mailer& mailer, MailTransport transport,
                       const base::Clock& clock, MailSenderConfig config)
    : outbox_(outbox),
      mailer_(mailer),
      transport_(std::move(transport)),
      clock_(clock),
      config_(config) {}

MailSender::~MailSender() { stop(); }

void MailSender::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void MailSender::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MailSender::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

std::chrono::seconds MailSender::backoff(std::int64_t attempts) const {
  std::chrono::seconds delay = config_.first_backoff;
  for (std::int64_t i = 1; i < attempts && delay < config_.max_backoff; ++i) delay *= 2;
  return std::min(delay, config_.max_backoff);
}

void MailSender::loop() {
  for (;;) {
    // Drain: a full batch means more may be due at once.
    while (run_once() >= config_.batch) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, config_.poll, [this] { return woken_ || stopping_; });
    if (stopping_) return;
    woken_ = false;
  }
}

std::size_t MailSender::run_once() {
  store::MailClaim claim{};
  const std::string random = crypto::random_bytes(claim.size());
  std::copy(random.begin(), random.end(), claim.begin());
  const std::int64_t now = clock_.now_unix();
  auto mails = outbox_.claim(now, now + config_.lease.count(), claim, config_.batch);
  if (!mails) return 0;  // the store is down: the next pass tries again
  for (const store::MailRecord& mail : *mails) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;  // the rest go back when the lease lapses
    }
    deliver(mail, claim);
  }
  return mails->size();
}

void MailSender::deliver(const store::MailRecord& mail, const store::MailClaim& claim) {
  auto message = mailer_.open(mail);
  if (!message) {
    // Sealed under another master key, or tampered with: it will never open here.
    if (outbox_.mark_failed(mail.id, claim, clock_.now_unix(), "the message does not open")) {
      failed_.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  auto sent = transport_(mailer_.from_address(), mail.recipient, *message);
  const std::int64_t now = clock_.now_unix();
  if (sent) {
    // A refused mark (the lease lapsed and another node took the mail) changes nothing here:
    // the mail went out, and the other node's copy keeps the same Message-ID.
    if (outbox_.mark_sent(mail.id, claim, now)) sent_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (sent.error().permanent || mail.attempts >= config_.max_attempts) {
    if (outbox_.mark_failed(mail.id, claim, now, sent.error().reason)) {
      failed_.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  if (outbox_.retry_at(mail.id, claim, now + backoff(mail.attempts).count(), sent.error().reason)) {
    retried_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace tessera::auth
