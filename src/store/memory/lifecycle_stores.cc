// OutboxStore and AccountTokenStore in memory (tests, benchmarks): one object behind both
// interfaces, so the mails a token call enqueues land in the same outbox.
//
// Atomicity: one mutex orders every call of these two stores. A call that also changes the
// user (through UserStore, which has its own lock) makes its one fallible user change first and
// records the token and mails only after it succeeded, so a failure changes nothing. What this
// backend cannot promise, unlike the SQL ones, is isolation from a UserStore call made at the
// same moment by another thread (e.g. a user's email changed between redeem()'s read and its
// write); the tests that use it do not race those.
#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "store/memory/internal.h"

namespace tessera::store::memory {
namespace {

std::int64_t used_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

class MemoryLifecycleStores final : public OutboxStore, public AccountTokenStore {
 public:
  explicit MemoryLifecycleStores(std::shared_ptr<UserStore> users) : users_(std::move(users)) {}

  // ---- OutboxStore ----

  std::expected<std::vector<MailId>, StoreError> enqueue(std::span<const OutgoingMail> mails,
                                                         std::int64_t now) override {
    std::lock_guard lock(mu_);
    if (!users_exist(mails)) return std::unexpected(StoreError::kNotFound);
    return add_mails(mails, now);
  }

  std::expected<std::vector<MailRecord>, StoreError> claim(std::int64_t now, std::int64_t until,
                                                           const MailClaim& by,
                                                           std::size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<MailRecord*> due;
    for (auto& [id, m] : mails_) {
      if (m.record.status == MailStatus::kPending && m.record.next_attempt_at <= now &&
          m.record.claimed_until <= now) {
        due.push_back(&m.record);
      }
    }
    std::sort(due.begin(), due.end(), [](const MailRecord* a, const MailRecord* b) {
      return std::pair(a->next_attempt_at, a->id) < std::pair(b->next_attempt_at, b->id);
    });
    if (due.size() > limit) due.resize(limit);
    std::vector<MailRecord> out;
    for (MailRecord* m : due) {
      m->claimed_until = until;
      m->attempts += 1;
      mails_.at(m->id).claim = by;
      out.push_back(*m);
    }
    return out;
  }

  std::expected<void, StoreError> mark_sent(MailId id, const MailClaim& by,
                                            std::int64_t now) override {
    return outcome(id, by, [&](MailRecord& m) {
      m.status = MailStatus::kSent;
      m.finished_at = now;
      m.sealed_message.clear();
    });
  }

  std::expected<void, StoreError> retry_at(MailId id, const MailClaim& by,
                                           std::int64_t next_attempt_at,
                                           std::string_view error) override {
    return outcome(id, by, [&](MailRecord& m) {
      m.next_attempt_at = next_attempt_at;
      m.last_error = clip_mail_error(error);
    });
  }

  std::expected<void, StoreError> mark_failed(MailId id, const MailClaim& by, std::int64_t now,
                                              std::string_view error) override {
    return outcome(id, by, [&](MailRecord& m) {
      m.status = MailStatus::kFailed;
      m.finished_at = now;
      m.last_error = clip_mail_error(error);
      m.sealed_message.clear();
    });
  }

  std::expected<MailRecord, StoreError> find(MailId id) override {
    std::lock_guard lock(mu_);
    auto it = mails_.find(id);
    if (it == mails_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second.record;
  }

  std::expected<std::vector<MailRecord>, StoreError> list(std::optional<MailStatus> status,
                                                          std::size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<MailRecord> out;
    for (auto it = mails_.rbegin(); it != mails_.rend() && out.size() < limit; ++it) {
      if (!status || it->second.record.status == *status) out.push_back(it->second.record);
    }
    return out;
  }

  std::expected<OutboxStats, StoreError> stats() override {
    std::lock_guard lock(mu_);
    OutboxStats s;
    for (const auto& [id, m] : mails_) {
      switch (m.record.status) {
        case MailStatus::kPending:
          ++s.pending;
          if (s.oldest_pending_at == 0 || m.record.created_at < s.oldest_pending_at) {
            s.oldest_pending_at = m.record.created_at;
          }
          break;
        case MailStatus::kSent:
          ++s.sent;
          break;
        case MailStatus::kFailed:
          ++s.failed;
          break;
      }
    }
    return s;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before) override {
    std::lock_guard lock(mu_);
    return std::erase_if(mails_, [&](const auto& entry) {
      const MailRecord& m = entry.second.record;
      return m.status != MailStatus::kPending && m.finished_at < before;
    });
  }

  // ---- AccountTokenStore ----

  std::expected<void, StoreError> create_user(const User& user, const AccountToken& token,
                                              std::span<const OutgoingMail> mails,
                                              std::int64_t now) override {
    std::lock_guard lock(mu_);
    if (tokens_.contains(token.hash)) return std::unexpected(StoreError::kConflict);
    if (!users_exist(mails, user.id)) return std::unexpected(StoreError::kNotFound);
    if (auto created = users_->create(user); !created) return created;
    tokens_.emplace(token.hash, token);
    (void)add_mails(mails, now);
    return {};
  }

  std::expected<void, StoreError> issue(const AccountToken& token,
                                        std::span<const OutgoingMail> mails,
                                        std::int64_t now) override {
    std::lock_guard lock(mu_);
    auto user = users_->find_by_id(token.user_id);
    if (!user) return std::unexpected(user.error());
    if (!users_exist(mails)) return std::unexpected(StoreError::kNotFound);
    if (tokens_.contains(token.hash)) return std::unexpected(StoreError::kConflict);
    tokens_.emplace(token.hash, token);
    (void)add_mails(mails, now);
    return {};
  }

  std::expected<AccountToken, StoreError> find(const TokenHash& hash) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(hash);
    if (it == tokens_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<Redemption, StoreError> redeem(const TokenHash& hash, AccountTokenPurpose purpose,
                                               std::string_view password_hash,
                                               std::span<const OutgoingMail> mails,
                                               std::int64_t now) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(hash);
    if (it == tokens_.end() || it->second.purpose != purpose) return Redemption{};
    AccountToken& token = it->second;
    Redemption r{.outcome = Redeemed::kUnknown, .token = token};
    auto verdict = [&r](Redeemed outcome) {
      r.outcome = outcome;
      return r;
    };
    if (token.used_at != 0) return verdict(Redeemed::kUsed);
    if (now >= token.expires_at) return verdict(Redeemed::kExpired);
    if (!users_exist(mails)) return std::unexpected(StoreError::kNotFound);
    auto user = users_->find_by_id(token.user_id);
    if (!user) return std::unexpected(user.error());
    const bool same_email = user->email == token.email;
    switch (purpose) {
      case AccountTokenPurpose::kVerifyEmail: {
        if (!same_email) return verdict(Redeemed::kStale);
        if (auto done = users_->set_email_verified(token.user_id, true); !done) {
          return std::unexpected(done.error());
        }
        break;
      }
      case AccountTokenPurpose::kChangeEmail: {
        auto done = users_->set_email(token.user_id, token.email);
        if (!done && done.error() == StoreError::kConflict) return verdict(Redeemed::kEmailTaken);
        if (!done) return std::unexpected(done.error());
        (void)users_->set_email_verified(token.user_id, true);
        kill_locked(token.user_id, AccountTokenPurpose::kChangeEmail, now);
        kill_locked(token.user_id, AccountTokenPurpose::kVerifyEmail, now);
        break;
      }
      case AccountTokenPurpose::kResetPassword: {
        if (auto done = users_->set_password(token.user_id, password_hash, now); !done) {
          return std::unexpected(done.error());
        }
        if (same_email) (void)users_->set_email_verified(token.user_id, true);
        kill_locked(token.user_id, AccountTokenPurpose::kResetPassword, now);
        break;
      }
    }
    token.used_at = used_time(now);
    (void)add_mails(mails, now);
    return verdict(Redeemed::kApplied);
  }

  std::expected<std::size_t, StoreError> kill(const UserId& user, AccountTokenPurpose purpose,
                                              std::int64_t now) override {
    std::lock_guard lock(mu_);
    return kill_locked(user, purpose, now);
  }

  std::expected<std::size_t, StoreError> purge_expired(std::int64_t before) override {
    std::lock_guard lock(mu_);
    return std::erase_if(tokens_,
                         [&](const auto& entry) { return entry.second.expires_at < before; });
  }

  // UserStore::remove's cascade: the user's mails and tokens go.
  void forget_user(const UserId& user) {
    std::lock_guard lock(mu_);
    std::erase_if(mails_, [&](const auto& m) { return m.second.record.user_id == user; });
    std::erase_if(tokens_, [&](const auto& t) { return t.second.user_id == user; });
  }

 private:
  struct Mail {
    MailRecord record;
    MailClaim claim{};
  };

  // REQUIRES: mu_ held.
  std::vector<MailId> add_mails(std::span<const OutgoingMail> mails, std::int64_t now) {
    std::vector<MailId> ids;
    for (const OutgoingMail& mail : mails) {
      const MailId id = ++last_id_;
      mails_.emplace(id, Mail{.record = MailRecord{.id = id,
                                                   .kind = mail.kind,
                                                   .recipient = mail.recipient,
                                                   .user_id = mail.user_id,
                                                   .sealed_message = mail.sealed_message,
                                                   .created_at = now,
                                                   .next_attempt_at = now}});
      ids.push_back(id);
    }
    return ids;
  }

  // Whether every user a mail names exists (the SQL backends' foreign key), or is `created`.
  bool users_exist(std::span<const OutgoingMail> mails,
                   std::optional<UserId> created = std::nullopt) {
    return std::all_of(mails.begin(), mails.end(), [&](const OutgoingMail& m) {
      return !m.user_id || m.user_id == created || users_->find_by_id(*m.user_id).has_value();
    });
  }

  template <typename Change>
  std::expected<void, StoreError> outcome(MailId id, const MailClaim& by, Change&& change) {
    std::lock_guard lock(mu_);
    auto it = mails_.find(id);
    if (it == mails_.end() || it->second.record.status != MailStatus::kPending ||
        it->second.record.claimed_until == 0 || it->second.claim != by) {
      return std::unexpected(StoreError::kNotFound);
    }
    change(it->second.record);
    it->second.record.claimed_until = 0;
    it->second.claim = {};
    return {};
  }

  // REQUIRES: mu_ held.
  std::size_t kill_locked(const UserId& user, AccountTokenPurpose purpose, std::int64_t now) {
    std::size_t n = 0;
    for (auto& [hash, t] : tokens_) {
      if (t.user_id == user && t.purpose == purpose && t.used_at == 0) {
        t.used_at = used_time(now);
        ++n;
      }
    }
    return n;
  }

  std::shared_ptr<UserStore> users_;
  std::mutex mu_;
  std::map<MailId, Mail> mails_;              // guarded by mu_
  MailId last_id_ = 0;                        // guarded by mu_
  std::map<TokenHash, AccountToken> tokens_;  // guarded by mu_
};

}  // namespace

LifecycleStores make_lifecycle_stores(std::shared_ptr<UserStore> users) {
  auto both = std::make_shared<MemoryLifecycleStores>(std::move(users));
  return LifecycleStores{.outbox = both,
                         .account_tokens = both,
                         .forget = [weak = std::weak_ptr(both)](const UserId& user) {
                           if (auto s = weak.lock()) s->forget_user(user);
                         }};
}

}  // namespace tessera::store::memory
