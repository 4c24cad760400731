#include "store/memory/memory_stores.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera::store::memory {
namespace {

// Users by id, with an email index and a (created_at, id) index for list().
class MemoryUserStore final : public UserStore {
 public:
  std::expected<void, StoreError> create(const User& user) override {
    std::unique_lock lock(mu_);
    if (users_.contains(user.id) || by_email_.contains(user.email)) {
      return std::unexpected(StoreError::kConflict);
    }
    users_.emplace(user.id, user);
    by_email_.emplace(user.email, user.id);
    by_created_.emplace(user.created_at, user.id);
    return {};
  }

  std::expected<User, StoreError> find_by_id(const UserId& id) override {
    std::shared_lock lock(mu_);
    auto it = users_.find(id);
    if (it == users_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<User, StoreError> find_by_email(std::string_view email) override {
    std::shared_lock lock(mu_);
    auto it = by_email_.find(email);
    if (it == by_email_.end()) return std::unexpected(StoreError::kNotFound);
    return users_.at(it->second);
  }

  std::expected<void, StoreError> set_password(const UserId& id, std::string_view hash,
                                               std::int64_t changed_at) override {
    return update(id, [&](User& u) {
      u.password_hash = hash;
      u.password_changed_at = changed_at;
    });
  }

  std::expected<void, StoreError> rehash_password(const UserId& id,
                                                  std::string_view hash) override {
    return update(id, [&](User& u) { u.password_hash = hash; });
  }

  std::expected<void, StoreError> set_disabled(const UserId& id, bool disabled) override {
    return update(id, [&](User& u) { u.disabled = disabled; });
  }

  std::expected<void, StoreError> set_roles(const UserId& id,
                                            const std::vector<std::string>& roles) override {
    return update(id, [&](User& u) { u.roles = roles; });
  }

  std::expected<std::vector<User>, StoreError> list(std::size_t limit,
                                                    std::size_t offset) override {
    std::shared_lock lock(mu_);
    std::vector<User> out;
    if (offset >= by_created_.size()) return out;
    auto it = std::next(by_created_.begin(), static_cast<std::ptrdiff_t>(offset));
    for (; it != by_created_.end() && out.size() < limit; ++it)
      out.push_back(users_.at(it->second));
    return out;
  }

 private:
  template <typename F>
  std::expected<void, StoreError> update(const UserId& id, F&& change) {
    std::unique_lock lock(mu_);
    auto it = users_.find(id);
    if (it == users_.end()) return std::unexpected(StoreError::kNotFound);
    change(it->second);  // never touches id, email or created_at: the indexes stay valid
    return {};
  }

  std::shared_mutex mu_;
  std::map<UserId, User> users_;
  std::map<std::string, UserId, std::less<>> by_email_;
  std::set<std::pair<std::int64_t, UserId>> by_created_;
};

// Sessions by id hash, with a per-user index ordered by (created_at, id_hash): oldest first,
// the order eviction uses; list() walks it backwards.
class MemorySessionStore final : public SessionStore {
 public:
  std::expected<std::size_t, StoreError> create(const Session& s,
                                                std::size_t max_per_user) override {
    std::unique_lock lock(mu_);
    if (sessions_.contains(s.id_hash)) return std::unexpected(StoreError::kConflict);
    sessions_.emplace(s.id_hash, s);
    auto& mine = by_user_[s.user_id];
    mine.emplace(s.created_at, s.id_hash);
    std::size_t evicted = 0;
    if (max_per_user == 0) return evicted;
    for (auto it = mine.begin(); it != mine.end() && mine.size() > max_per_user;) {
      if (it->second == s.id_hash) {  // the new session itself is never evicted
        ++it;
        continue;
      }
      sessions_.erase(it->second);
      it = mine.erase(it);
      ++evicted;
    }
    return evicted;
  }

  std::expected<Session, StoreError> find(const TokenHash& id_hash) override {
    std::shared_lock lock(mu_);
    auto it = sessions_.find(id_hash);
    if (it == sessions_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<void, StoreError> touch(const TokenHash& id_hash, std::int64_t now) override {
    std::unique_lock lock(mu_);
    auto it = sessions_.find(id_hash);
    if (it == sessions_.end()) return std::unexpected(StoreError::kNotFound);
    it->second.last_seen_at = std::max(it->second.last_seen_at, now);
    return {};
  }

  std::expected<void, StoreError> remove(const TokenHash& id_hash) override {
    std::unique_lock lock(mu_);
    auto it = sessions_.find(id_hash);
    if (it == sessions_.end()) return std::unexpected(StoreError::kNotFound);
    erase_locked(it);
    return {};
  }

  std::expected<std::size_t, StoreError> remove_all(const UserId& user,
                                                    const TokenHash* keep) override {
    std::unique_lock lock(mu_);
    auto mine = by_user_.find(user);
    if (mine == by_user_.end()) return 0;
    std::size_t removed = 0;
    for (auto it = mine->second.begin(); it != mine->second.end();) {
      if (keep != nullptr && it->second == *keep) {
        ++it;
        continue;
      }
      sessions_.erase(it->second);
      it = mine->second.erase(it);
      ++removed;
    }
    if (mine->second.empty()) by_user_.erase(mine);
    return removed;
  }

  std::expected<std::vector<Session>, StoreError> list(const UserId& user) override {
    std::shared_lock lock(mu_);
    std::vector<Session> out;
    auto mine = by_user_.find(user);
    if (mine == by_user_.end()) return out;
    out.reserve(mine->second.size());
    for (auto it = mine->second.rbegin(); it != mine->second.rend(); ++it) {
      out.push_back(sessions_.at(it->second));
    }
    return out;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                               std::int64_t seen_before) override {
    std::unique_lock lock(mu_);
    std::size_t removed = 0;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      const Session& s = it->second;
      if (s.created_at < created_before || s.last_seen_at < seen_before) {
        it = erase_locked(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return removed;
  }

 private:
  using Map = std::map<TokenHash, Session>;

  // REQUIRES: mu_ held exclusively.
  Map::iterator erase_locked(Map::iterator it) {
    auto mine = by_user_.find(it->second.user_id);
    if (mine != by_user_.end()) {
      mine->second.erase({it->second.created_at, it->first});
      if (mine->second.empty()) by_user_.erase(mine);
    }
    return sessions_.erase(it);
  }

  std::shared_mutex mu_;
  Map sessions_;
  std::map<UserId, std::set<std::pair<std::int64_t, TokenHash>>> by_user_;
};

class MemoryCounterStore final : public CounterStore {
 public:
  std::expected<Count, StoreError> increment(std::string_view key, std::int64_t now,
                                             std::int64_t window_seconds) override {
    std::lock_guard lock(mu_);
    // Every kSweepEvery increments, forget counters whose window has ended, so keys that are
    // never seen again (one per client IP) do not accumulate.
    if (++since_sweep_ >= kSweepEvery) {
      since_sweep_ = 0;
      std::erase_if(counters_, [now](const auto& kv) { return kv.second.window_ends <= now; });
    }
    auto it = counters_.find(key);
    if (it == counters_.end()) it = counters_.emplace(std::string(key), Count{}).first;
    Count& c = it->second;
    if (c.window_ends <= now) {
      c = Count{.value = 1, .window_ends = now + window_seconds};
    } else {
      ++c.value;
    }
    return c;
  }

  std::expected<Count, StoreError> get(std::string_view key, std::int64_t now) override {
    std::lock_guard lock(mu_);
    auto it = counters_.find(key);
    if (it == counters_.end() || it->second.window_ends <= now) return Count{};
    return it->second;
  }

  std::expected<void, StoreError> reset(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = counters_.find(key);
    if (it != counters_.end()) counters_.erase(it);
    return {};
  }

 private:
  static constexpr int kSweepEvery = 4096;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::mutex mu_;
  std::unordered_map<std::string, Count, Hash, std::equal_to<>> counters_;
  int since_sweep_ = 0;
};

class MemoryAuditStore final : public AuditStore {
 public:
  std::expected<std::int64_t, StoreError> append(const AuditEvent& e) override {
    std::unique_lock lock(mu_);
    AuditEvent& stored = events_.emplace_back(e);
    stored.id = static_cast<std::int64_t>(events_.size());  // 1, 2, 3, ...: index + 1
    return stored.id;
  }

  std::expected<std::vector<AuditEvent>, StoreError> query(const AuditQuery& q) override {
    std::shared_lock lock(mu_);
    std::vector<AuditEvent> out;
    // Ids are index + 1, so before_id picks where the backwards walk starts.
    std::size_t end = events_.size();
    if (q.before_id) {
      end = *q.before_id <= 0 ? 0 : std::min(end, static_cast<std::size_t>(*q.before_id - 1));
    }
    for (std::size_t i = end; i > 0 && out.size() < q.limit; --i) {
      const AuditEvent& e = events_[i - 1];
      if (q.user_id && e.user_id != q.user_id) continue;
      if (!q.type.empty() && e.type != q.type) continue;
      out.push_back(e);
    }
    return out;
  }

  std::expected<bool, StoreError> remember_device(const UserId& user, std::string_view fingerprint,
                                                  std::int64_t /*now*/) override {
    std::unique_lock lock(mu_);
    return devices_.emplace(user, std::string(fingerprint)).second;
  }

 private:
  std::shared_mutex mu_;
  std::vector<AuditEvent> events_;
  std::set<std::pair<UserId, std::string>> devices_;
};

}  // namespace

Stores open_stores() {
  return Stores{.users = std::make_shared<MemoryUserStore>(),
                .sessions = std::make_shared<MemorySessionStore>(),
                .counters = std::make_shared<MemoryCounterStore>(),
                .audit = std::make_shared<MemoryAuditStore>(),
                .ready = [] { return true; }};
}

}  // namespace tessera::store::memory
