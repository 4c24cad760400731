// FederatedIdentityStore in memory: a map by (issuer, sub) under one lock, over the users store
// (asked whether a user exists, as the SQL backends' foreign key does). create_user holds the
// lock across the user's creation, so no other call can link the identity in between.
#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "store/memory/internal.h"

namespace tessera::store::memory {
namespace {

using Key = std::pair<std::string, std::string>;  // (issuer, sub)

class MemoryFederatedIdentityStore final : public FederatedIdentityStore {
 public:
  explicit MemoryFederatedIdentityStore(std::shared_ptr<UserStore> users)
      : users_(std::move(users)) {}

  std::expected<void, StoreError> link(const FederatedIdentity& identity) override {
    std::lock_guard lock(mu_);
    if (identities_.contains(key_of(identity))) return std::unexpected(StoreError::kConflict);
    if (auto user = users_->find_by_id(identity.user_id); !user) {
      return std::unexpected(user.error());
    }
    identities_.emplace(key_of(identity), identity);
    return {};
  }

  std::expected<void, StoreError> create_user(const User& user,
                                              const FederatedIdentity& identity) override {
    std::lock_guard lock(mu_);
    if (identities_.contains(key_of(identity))) return std::unexpected(StoreError::kConflict);
    if (auto created = users_->create(user); !created) return created;
    identities_.emplace(key_of(identity), identity);
    return {};
  }

  std::expected<FederatedIdentity, StoreError> find(std::string_view issuer,
                                                    std::string_view sub) override {
    std::lock_guard lock(mu_);
    auto it = identities_.find(Key{issuer, sub});
    if (it == identities_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<std::vector<FederatedIdentity>, StoreError> list(const UserId& user) override {
    std::vector<FederatedIdentity> out;
    {
      std::lock_guard lock(mu_);
      for (const auto& [key, identity] : identities_) {
        if (identity.user_id == user) out.push_back(identity);
      }
    }
    std::sort(out.begin(), out.end(), [](const FederatedIdentity& a, const FederatedIdentity& b) {
      return std::tie(a.linked_at, a.issuer, a.sub) < std::tie(b.linked_at, b.issuer, b.sub);
    });
    return out;
  }

  std::expected<void, StoreError> unlink(const UserId& user, std::string_view issuer,
                                         std::string_view sub) override {
    std::lock_guard lock(mu_);
    auto it = identities_.find(Key{issuer, sub});
    if (it == identities_.end() || it->second.user_id != user) {
      return std::unexpected(StoreError::kNotFound);
    }
    identities_.erase(it);
    return {};
  }

  void forget(const UserId& user) {
    std::lock_guard lock(mu_);
    std::erase_if(identities_, [&](const auto& entry) { return entry.second.user_id == user; });
  }

 private:
  static Key key_of(const FederatedIdentity& i) { return {i.issuer, i.sub}; }

  std::shared_ptr<UserStore> users_;
  std::mutex mu_;
  std::map<Key, FederatedIdentity, std::less<>> identities_;
};

}  // namespace

FederatedIdentities make_federated_identity_store(std::shared_ptr<UserStore> users) {
  auto store = std::make_shared<MemoryFederatedIdentityStore>(std::move(users));
  return {.store = store, .forget = [weak = std::weak_ptr(store)](const UserId& user) {
            if (auto s = weak.lock()) s->forget(user);
          }};
}

}  // namespace tessera::store::memory
