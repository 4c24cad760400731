// CredentialStore in memory: every record under one mutex, so each method is atomic with
// respect to every other (the one-time rules of credential_store.h hold among threads; there
// are no other processes). Whether a user exists is asked of the UserStore while the lock is
// held: users are never removed (UserStore has no removal), so an answer cannot go stale
// within the call, and the user store never calls back here (no lock-order cycle).
#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "store/memory/internal.h"

namespace tessera::store::memory {
namespace {

struct RecoveryCode {
  std::int64_t created_at = 0;
  std::int64_t used_at = 0;  // 0: unused
};

class MemoryCredentialStore final : public CredentialStore {
 public:
  explicit MemoryCredentialStore(std::shared_ptr<UserStore> users) : users_(std::move(users)) {}

  // ---- TOTP ----

  std::expected<void, StoreError> put_pending_totp(const UserId& user,
                                                   std::string_view sealed_secret,
                                                   std::int64_t now) override {
    std::lock_guard lock(mu_);
    if (auto ok = require_user(user); !ok) return ok;
    auto it = totp_.find(user);
    if (it != totp_.end() && it->second.confirmed) return std::unexpected(StoreError::kConflict);
    totp_[user] = TotpSecret{.user_id = user,
                             .sealed_secret = std::string(sealed_secret),
                             .confirmed = false,
                             .created_at = now,
                             .confirmed_at = 0,
                             .last_step = 0};
    return {};
  }

  std::expected<TotpConfirm, StoreError> confirm_totp(const UserId& user, std::int64_t step,
                                                      std::int64_t now) override {
    std::lock_guard lock(mu_);
    auto it = totp_.find(user);
    if (it == totp_.end()) return TotpConfirm::kNoSecret;
    TotpSecret& t = it->second;
    if (t.confirmed) return TotpConfirm::kAlreadyConfirmed;
    if (step <= t.last_step) return TotpConfirm::kReplayed;
    t.confirmed = true;
    t.confirmed_at = now;
    t.last_step = step;
    return TotpConfirm::kConfirmed;
  }

  std::expected<TotpSecret, StoreError> find_totp(const UserId& user) override {
    std::lock_guard lock(mu_);
    auto it = totp_.find(user);
    if (it == totp_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<TotpUse, StoreError> use_totp_step(const UserId& user, std::int64_t step) override {
    std::lock_guard lock(mu_);
    auto it = totp_.find(user);
    if (it == totp_.end() || !it->second.confirmed) return TotpUse::kNoConfirmedSecret;
    if (step <= it->second.last_step) return TotpUse::kReplayed;
    it->second.last_step = step;
    return TotpUse::kAccepted;
  }

  std::expected<void, StoreError> remove_totp(const UserId& user) override {
    std::lock_guard lock(mu_);
    if (totp_.erase(user) == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

  // A memory store never had the users.totp_secret column: there is never a legacy secret.
  std::expected<std::vector<LegacyTotpSecret>, StoreError> legacy_totp_secrets() override {
    return std::vector<LegacyTotpSecret>{};
  }

  std::expected<LegacySeal, StoreError> seal_legacy_totp(const UserId&, std::string_view,
                                                         std::int64_t) override {
    return std::unexpected(StoreError::kNotFound);
  }

  // ---- recovery codes ----

  std::expected<void, StoreError> replace_recovery_codes(const UserId& user,
                                                         std::span<const RecoveryCodeHash> hashes,
                                                         std::int64_t now) override {
    std::lock_guard lock(mu_);
    if (auto ok = require_user(user); !ok) return ok;
    if (!recovery_code_set_valid(hashes)) return std::unexpected(StoreError::kConflict);
    auto& codes = recovery_[user];
    codes.clear();
    for (const RecoveryCodeHash& hash : hashes) codes[hash] = RecoveryCode{.created_at = now};
    if (codes.empty()) recovery_.erase(user);
    return {};
  }

  std::expected<RecoveryCodeUse, StoreError> use_recovery_code(const UserId& user,
                                                               const RecoveryCodeHash& hash,
                                                               std::int64_t now) override {
    std::lock_guard lock(mu_);
    auto mine = recovery_.find(user);
    if (mine == recovery_.end()) return RecoveryCodeUse::kRefused;
    auto it = mine->second.find(hash);
    if (it == mine->second.end() || it->second.used_at != 0) return RecoveryCodeUse::kRefused;
    it->second.used_at = std::max<std::int64_t>(now, 1);  // 0 means unused
    return RecoveryCodeUse::kAccepted;
  }

  std::expected<std::size_t, StoreError> remaining_recovery_codes(const UserId& user) override {
    std::lock_guard lock(mu_);
    auto mine = recovery_.find(user);
    if (mine == recovery_.end()) return 0;
    return static_cast<std::size_t>(std::ranges::count_if(
        mine->second, [](const auto& entry) { return entry.second.used_at == 0; }));
  }

  std::expected<std::size_t, StoreError> remove_recovery_codes(const UserId& user) override {
    std::lock_guard lock(mu_);
    auto mine = recovery_.find(user);
    if (mine == recovery_.end()) return 0;
    const std::size_t n = mine->second.size();
    recovery_.erase(mine);
    return n;
  }

  // ---- passkeys ----

  std::expected<void, StoreError> add_passkey(const Passkey& passkey) override {
    std::lock_guard lock(mu_);
    if (auto ok = require_user(passkey.user_id); !ok) return ok;
    if (!passkey_fields_valid(passkey) || passkeys_.contains(passkey.id) ||
        by_credential_.contains(passkey.credential_id)) {
      return std::unexpected(StoreError::kConflict);
    }
    passkeys_.emplace(passkey.id, passkey);
    by_credential_.emplace(passkey.credential_id, passkey.id);
    return {};
  }

  std::expected<Passkey, StoreError> find_passkey_by_credential_id(
      std::string_view credential_id) override {
    std::lock_guard lock(mu_);
    auto it = by_credential_.find(credential_id);
    if (it == by_credential_.end()) return std::unexpected(StoreError::kNotFound);
    return passkeys_.at(it->second);
  }

  std::expected<Passkey, StoreError> find_passkey(const UserId& user,
                                                  const PasskeyId& id) override {
    std::lock_guard lock(mu_);
    Passkey* p = mine(user, id);
    if (p == nullptr) return std::unexpected(StoreError::kNotFound);
    return *p;
  }

  std::expected<std::vector<Passkey>, StoreError> list_passkeys(const UserId& user) override {
    std::vector<Passkey> out;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, p] : passkeys_) {
        if (p.user_id == user) out.push_back(p);
      }
    }
    // By id already (bytewise); stable, so created_at ties keep that order.
    std::ranges::stable_sort(out, {}, &Passkey::created_at);
    return out;
  }

  std::expected<void, StoreError> rename_passkey(const UserId& user, const PasskeyId& id,
                                                 std::string_view name) override {
    std::lock_guard lock(mu_);
    Passkey* p = mine(user, id);
    if (p == nullptr) return std::unexpected(StoreError::kNotFound);
    p->name = std::string(name);
    return {};
  }

  std::expected<void, StoreError> remove_passkey(const UserId& user, const PasskeyId& id) override {
    std::lock_guard lock(mu_);
    Passkey* p = mine(user, id);
    if (p == nullptr) return std::unexpected(StoreError::kNotFound);
    by_credential_.erase(p->credential_id);
    passkeys_.erase(id);
    return {};
  }

  std::expected<PasskeyUse, StoreError> use_passkey(std::string_view credential_id,
                                                    std::int64_t sign_count, bool backed_up,
                                                    std::int64_t now) override {
    std::lock_guard lock(mu_);
    auto it = by_credential_.find(credential_id);
    if (it == by_credential_.end()) return std::unexpected(StoreError::kNotFound);
    Passkey& p = passkeys_.at(it->second);
    const bool both_zero = p.sign_count == 0 && sign_count == 0;
    if (!both_zero && sign_count <= p.sign_count) {
      return PasskeyUse{.outcome = PasskeyUseOutcome::kCounterNotIncreased, .passkey = p};
    }
    p.sign_count = sign_count;
    p.backed_up = backed_up;
    p.last_used_at = now;
    return PasskeyUse{.outcome = PasskeyUseOutcome::kUsed, .passkey = p};
  }

  // ---- WebAuthn user handle ----

  std::expected<UserHandle, StoreError> user_handle(const UserId& user,
                                                    const UserHandle& candidate_if_new,
                                                    std::int64_t) override {
    std::lock_guard lock(mu_);
    if (auto it = handles_.find(user); it != handles_.end()) return it->second;
    if (auto ok = require_user(user); !ok) return std::unexpected(ok.error());
    if (users_by_handle_.contains(candidate_if_new)) {
      return std::unexpected(StoreError::kConflict);
    }
    handles_.emplace(user, candidate_if_new);
    users_by_handle_.emplace(candidate_if_new, user);
    return candidate_if_new;
  }

  std::expected<UserId, StoreError> user_by_handle(const UserHandle& handle) override {
    std::lock_guard lock(mu_);
    auto it = users_by_handle_.find(handle);
    if (it == users_by_handle_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  // UserStore::remove's cascade.
  void forget_user(const UserId& user) {
    std::lock_guard lock(mu_);
    totp_.erase(user);
    recovery_.erase(user);
    std::erase_if(passkeys_, [&](const auto& p) {
      if (p.second.user_id != user) return false;
      by_credential_.erase(p.second.credential_id);
      return true;
    });
    if (auto h = handles_.find(user); h != handles_.end()) {
      users_by_handle_.erase(h->second);
      handles_.erase(h);
    }
  }

 private:
  // kNotFound unless the user exists (the SQL backends' foreign key); the user store's error
  // if it fails. REQUIRES: mu_ held.
  std::expected<void, StoreError> require_user(const UserId& user) {
    auto found = users_->find_by_id(user);
    if (!found) return std::unexpected(found.error());
    return {};
  }

  // The user's passkey `id`, or nullptr (none, or another user's). REQUIRES: mu_ held.
  Passkey* mine(const UserId& user, const PasskeyId& id) {
    auto it = passkeys_.find(id);
    if (it == passkeys_.end() || it->second.user_id != user) return nullptr;
    return &it->second;
  }

  std::shared_ptr<UserStore> users_;
  std::mutex mu_;
  std::map<UserId, TotpSecret> totp_;
  std::map<UserId, std::map<RecoveryCodeHash, RecoveryCode>> recovery_;
  std::map<PasskeyId, Passkey> passkeys_;
  std::map<std::string, PasskeyId, std::less<>> by_credential_;
  std::map<UserId, UserHandle> handles_;
  std::map<UserHandle, UserId> users_by_handle_;
};

}  // namespace

void forget_credentials(CredentialStore& store, const UserId& user) {
  static_cast<MemoryCredentialStore&>(store).forget_user(user);
}

std::shared_ptr<CredentialStore> make_credential_store(std::shared_ptr<UserStore> users) {
  return std::make_shared<MemoryCredentialStore>(std::move(users));
}

}  // namespace tessera::store::memory
