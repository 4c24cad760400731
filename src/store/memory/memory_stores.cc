#include "store/memory/memory_stores.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/memory/internal.h"

namespace tessera::store::memory {
namespace {

// Users by id, with an email index and a (created_at, id) index for list().
class MemoryUserStore final : public UserStore {
 public:
  // What remove() must also clear in the other memory stores (the SQL backends' cascade and
  // deletes). Wiring only (open_stores), before any call.
  void on_remove(std::function<void(const UserId&)> hook) { on_remove_.push_back(std::move(hook)); }

  std::expected<void, StoreError> remove(const UserId& id) override {
    {
      std::unique_lock lock(mu_);
      auto it = users_.find(id);
      if (it == users_.end()) return std::unexpected(StoreError::kNotFound);
      by_email_.erase(it->second.email);
      by_created_.erase({it->second.created_at, id});
      users_.erase(it);
    }
    for (const auto& hook : on_remove_) hook(id);
    return {};
  }

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

  std::expected<void, StoreError> set_email_verified(const UserId& id, bool verified) override {
    return update(id, [&](User& u) { u.email_verified = verified; });
  }

  std::expected<void, StoreError> set_email(const UserId& id, std::string_view email) override {
    std::unique_lock lock(mu_);
    auto it = users_.find(id);
    if (it == users_.end()) return std::unexpected(StoreError::kNotFound);
    auto taken = by_email_.find(email);
    if (taken != by_email_.end()) {
      if (taken->second == id) return {};
      return std::unexpected(StoreError::kConflict);
    }
    by_email_.erase(it->second.email);
    it->second.email = std::string(email);
    by_email_.emplace(it->second.email, id);
    return {};
  }

  std::expected<std::vector<User>, StoreError> list_non_ascii_emails() override {
    std::shared_lock lock(mu_);
    std::vector<User> out;
    for (const auto& [id, u] : users_) {
      if (std::any_of(u.email.begin(), u.email.end(),
                      [](char c) { return static_cast<unsigned char>(c) > 0x7F; })) {
        out.push_back(u);
      }
    }
    return out;
  }

  std::expected<std::vector<User>, StoreError> list(const UserListQuery& q) override {
    std::shared_lock lock(mu_);
    std::vector<User> out;
    auto it =
        q.after ? by_created_.upper_bound({q.after->created_at, q.after->id}) : by_created_.begin();
    for (; it != by_created_.end() && out.size() < q.limit; ++it) {
      const User& u = users_.at(it->second);
      if (u.email.find(q.email_contains) != std::string::npos) out.push_back(u);
    }
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
  std::vector<std::function<void(const UserId&)>> on_remove_;
};

// Sessions by id hash, with a per-user index in creation order (a store-wide sequence number
// per session): oldest first, the order eviction uses; list() walks it backwards.
class MemorySessionStore final : public SessionStore {
 public:
  std::expected<std::size_t, StoreError> create(const Session& s,
                                                std::size_t max_per_user) override {
    std::unique_lock lock(mu_);
    if (sessions_.contains(s.id_hash)) return std::unexpected(StoreError::kConflict);
    sessions_.emplace(s.id_hash, s);
    const std::uint64_t seq = next_seq_++;
    seqs_.emplace(s.id_hash, seq);
    auto& mine = by_user_[s.user_id];
    mine.emplace(seq, s.id_hash);
    std::size_t evicted = 0;
    if (max_per_user == 0) return evicted;
    for (auto it = mine.begin(); it != mine.end() && mine.size() > max_per_user;) {
      if (it->second == s.id_hash) {  // the new session itself is never evicted
        ++it;
        continue;
      }
      sessions_.erase(it->second);
      seqs_.erase(it->second);
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
      seqs_.erase(it->second);
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
      mine->second.erase({seqs_.at(it->first), it->first});
      if (mine->second.empty()) by_user_.erase(mine);
    }
    seqs_.erase(it->first);
    return sessions_.erase(it);
  }

  std::shared_mutex mu_;
  Map sessions_;
  std::map<TokenHash, std::uint64_t> seqs_;  // each session's creation order
  std::uint64_t next_seq_ = 0;
  std::map<UserId, std::set<std::pair<std::uint64_t, TokenHash>>> by_user_;
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
    const std::int64_t id = ++last_id_;  // 1, 2, 3, ...: never reused, purged or not
    AuditEvent& stored = events_.emplace(id, e).first->second;
    stored.id = id;
    return id;
  }

  std::expected<std::vector<AuditEvent>, StoreError> query(const AuditQuery& q) override {
    std::shared_lock lock(mu_);
    std::vector<AuditEvent> out;
    // Newest first: backwards from before_id (exclusive), or from the end.
    auto it = q.before_id ? events_.lower_bound(*q.before_id) : events_.end();
    while (it != events_.begin() && out.size() < q.limit) {
      const AuditEvent& e = (--it)->second;
      if (q.user_id && e.user_id != q.user_id) continue;
      if (!q.type.empty() && e.type != q.type) continue;
      if (q.since && e.at < *q.since) continue;
      out.push_back(e);
    }
    return out;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before, std::size_t limit) override {
    std::unique_lock lock(mu_);
    std::size_t n = 0;
    for (auto it = events_.begin(); it != events_.end() && n < limit;) {
      if (it->second.at < before) {
        it = events_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  std::expected<bool, StoreError> remember_device(const UserId& user, std::string_view fingerprint,
                                                  std::int64_t /*now*/) override {
    std::unique_lock lock(mu_);
    return devices_.emplace(user, std::string(fingerprint)).second;
  }

  // UserStore::remove: the user's devices go; their events stay, without the email.
  void forget_user(const UserId& user) {
    std::unique_lock lock(mu_);
    std::erase_if(devices_, [&](const auto& d) { return d.first == user; });
    for (auto& [id, e] : events_) {
      if (e.user_id != user) continue;
      auto detail = nlohmann::json::parse(e.detail, nullptr, /*allow_exceptions=*/false);
      if (!detail.is_object()) continue;
      detail.erase("email");
      detail.erase("new_email");
      e.detail = detail.dump();
    }
  }

 private:
  std::shared_mutex mu_;
  std::map<std::int64_t, AuditEvent> events_;  // by id
  std::int64_t last_id_ = 0;
  std::set<std::pair<UserId, std::string>> devices_;
};

// Refresh families by id, with each user's by creation. A process's memory never held a
// family from before generations, so find_legacy() never finds one.
class MemoryRefreshStore final : public RefreshStore {
 public:
  std::expected<void, StoreError> create(const RefreshFamily& family) override {
    std::unique_lock lock(mu_);
    if (families_.contains(family.id)) return std::unexpected(StoreError::kConflict);
    families_.emplace(family.id, family);
    by_user_[family.user_id].emplace(family.created_at, family.id);
    return {};
  }

  std::expected<RefreshFamily, StoreError> find(const FamilyId& family) override {
    std::shared_lock lock(mu_);
    auto it = families_.find(family);
    if (it == families_.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<Rotation, StoreError> rotate(const FamilyId& id, std::int64_t generation,
                                             std::int64_t now) override {
    std::unique_lock lock(mu_);
    auto it = families_.find(id);
    if (it == families_.end()) return std::unexpected(StoreError::kNotFound);
    RefreshFamily& family = it->second;
    Rotation r{.outcome = RotateOutcome::kRotated, .previous_use = family.last_used_at};
    if (family.revoked_at != 0) {
      r.outcome = RotateOutcome::kFamilyRevoked;
    } else if (generation < family.generation) {
      r.outcome = RotateOutcome::kAlreadyUsed;
    } else if (generation > family.generation) {
      r.outcome = RotateOutcome::kNotIssued;
    } else {
      family.generation = generation + 1;
      family.last_used_at = std::max(family.last_used_at, now);
    }
    r.family = family;
    return r;
  }

  std::expected<LegacyTokenInFamily, StoreError> find_legacy(const TokenHash& /*hash*/) override {
    return std::unexpected(StoreError::kNotFound);
  }

  std::expected<bool, StoreError> revoke_family(const FamilyId& family, std::string_view reason,
                                                std::int64_t now) override {
    std::unique_lock lock(mu_);
    auto it = families_.find(family);
    if (it == families_.end()) return std::unexpected(StoreError::kNotFound);
    return revoke_locked(it->second, reason, now);
  }

  std::expected<std::size_t, StoreError> revoke_user(const UserId& user, std::string_view reason,
                                                     std::int64_t now) override {
    std::unique_lock lock(mu_);
    std::size_t revoked = 0;
    auto mine = by_user_.find(user);
    if (mine == by_user_.end()) return revoked;
    for (const auto& [created_at, id] : mine->second) {
      if (revoke_locked(families_.at(id), reason, now)) ++revoked;
    }
    return revoked;
  }

  std::expected<std::vector<RefreshFamily>, StoreError> list(const UserId& user) override {
    std::shared_lock lock(mu_);
    std::vector<RefreshFamily> out;
    auto mine = by_user_.find(user);
    if (mine == by_user_.end()) return out;
    for (auto it = mine->second.rbegin(); it != mine->second.rend(); ++it) {
      const RefreshFamily& f = families_.at(it->second);
      if (f.revoked_at == 0) out.push_back(f);
    }
    return out;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                               std::int64_t used_before,
                                               std::int64_t revoked_before) override {
    std::unique_lock lock(mu_);
    std::size_t removed = 0;
    for (auto it = families_.begin(); it != families_.end();) {
      const RefreshFamily& f = it->second;
      if (f.created_at < created_before || f.last_used_at < used_before ||
          (f.revoked_at != 0 && f.revoked_at < revoked_before)) {
        auto mine = by_user_.find(f.user_id);
        mine->second.erase({f.created_at, f.id});
        if (mine->second.empty()) by_user_.erase(mine);
        it = families_.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return removed;
  }

  std::expected<std::string, StoreError> token_secret(std::string_view candidate) override {
    std::unique_lock lock(mu_);
    if (secret_.empty()) secret_ = candidate;
    return secret_;
  }

  // UserStore::remove: the user's families go.
  void forget_user(const UserId& user) {
    std::unique_lock lock(mu_);
    auto mine = by_user_.find(user);
    if (mine == by_user_.end()) return;
    for (const auto& [created, id] : mine->second) families_.erase(id);
    by_user_.erase(mine);
  }

 private:
  // See the header: 0 means "not yet", so a state change is recorded at 1 or later.
  static std::int64_t marker_time(std::int64_t now) { return std::max<std::int64_t>(now, 1); }

  // REQUIRES: mu_ held exclusively. Whether this call revoked `f` (false: it already was).
  static bool revoke_locked(RefreshFamily& f, std::string_view reason, std::int64_t now) {
    if (f.revoked_at != 0) return false;
    f.revoked_at = marker_time(now);
    f.revoked_reason = reason;
    return true;
  }

  std::shared_mutex mu_;
  std::map<FamilyId, RefreshFamily> families_;
  std::map<UserId, std::set<std::pair<std::int64_t, FamilyId>>> by_user_;
  std::string secret_;
};

// The keyring as one value; replace() compares and swaps it under the lock.
class MemoryKeyStore final : public KeyStore {
 public:
  std::expected<Keyring, StoreError> load() override {
    std::shared_lock lock(mu_);
    return keyring_;
  }

  std::expected<std::int64_t, StoreError> version() override {
    std::shared_lock lock(mu_);
    return keyring_.version;
  }

  std::expected<std::int64_t, StoreError> replace(std::int64_t expected_version,
                                                  const std::vector<SigningKey>& keys) override {
    std::set<std::string_view> kids;
    for (const SigningKey& k : keys) {
      if (!kids.insert(k.kid).second) return std::unexpected(StoreError::kConflict);
    }
    std::unique_lock lock(mu_);
    if (keyring_.version != expected_version) return std::unexpected(StoreError::kConflict);
    keyring_ = Keyring{.version = expected_version + 1, .keys = keys};
    return keyring_.version;
  }

 private:
  std::shared_mutex mu_;
  Keyring keyring_;
};

// The denylist, the not-befores and the log, all under one lock, so snapshot() is consistent
// and seq follows the order of writes. The log is keyed by seq; purge() may delete from its
// middle (it goes by `at`), so purged_through_ remembers the newest seq it deleted.
class MemoryRevocationStore final : public RevocationStore {
 public:
  std::expected<void, StoreError> deny(std::string_view jti, std::int64_t expires_at,
                                       std::int64_t now) override {
    std::unique_lock lock(mu_);
    auto [it, fresh] = denied_.try_emplace(std::string(jti), expires_at);
    if (!fresh) it->second = std::max(it->second, expires_at);
    log_locked(RevocationEvent{.at = now,
                               .kind = RevocationEvent::Kind::kDenied,
                               .jti = std::string(jti),
                               .expires_at = it->second});
    return {};
  }

  std::expected<bool, StoreError> is_denied(std::string_view jti, std::int64_t now) override {
    std::shared_lock lock(mu_);
    auto it = denied_.find(jti);
    return it != denied_.end() && now <= it->second;
  }

  std::expected<void, StoreError> set_not_before(const UserId& user,
                                                 std::int64_t not_before_ms) override {
    std::unique_lock lock(mu_);
    auto it = not_before_.find(user);
    if (not_before_ms <= (it == not_before_.end() ? 0 : it->second)) return {};
    not_before_[user] = not_before_ms;
    log_locked(RevocationEvent{.at = not_before_ms / 1000,
                               .kind = RevocationEvent::Kind::kNotBefore,
                               .user = user,
                               .not_before_ms = not_before_ms});
    return {};
  }

  std::expected<std::int64_t, StoreError> not_before(const UserId& user) override {
    std::shared_lock lock(mu_);
    auto it = not_before_.find(user);
    return it == not_before_.end() ? 0 : it->second;
  }

  std::expected<RevocationSnapshot, StoreError> snapshot(std::int64_t now) override {
    std::shared_lock lock(mu_);
    RevocationSnapshot snap{.seq = last_seq_};
    for (const auto& [jti, expires_at] : denied_) {
      if (now <= expires_at) snap.denied.push_back({.jti = jti, .expires_at = expires_at});
    }
    for (const auto& [user, ms] : not_before_) {
      snap.not_before.push_back({.user = user, .not_before_ms = ms});
    }
    return snap;
  }

  std::expected<std::vector<RevocationEvent>, StoreError> events_after(std::int64_t after,
                                                                       std::size_t limit) override {
    std::shared_lock lock(mu_);
    if (after < purged_through_ || after > last_seq_) {
      return std::unexpected(StoreError::kNotFound);
    }
    std::vector<RevocationEvent> out;
    for (auto it = events_.upper_bound(after); it != events_.end() && out.size() < limit; ++it) {
      out.push_back(it->second);
    }
    return out;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t now, std::int64_t log_before) override {
    std::unique_lock lock(mu_);
    std::size_t removed = std::erase_if(denied_, [now](const auto& kv) { return kv.second < now; });
    for (auto it = events_.begin(); it != events_.end();) {
      if (it->second.at < log_before) {
        purged_through_ = std::max(purged_through_, it->first);
        it = events_.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return removed;
  }

 private:
  // REQUIRES: mu_ held exclusively.
  void log_locked(RevocationEvent e) {
    e.seq = ++last_seq_;
    events_.emplace(e.seq, std::move(e));
  }

  std::shared_mutex mu_;
  std::map<std::string, std::int64_t, std::less<>> denied_;  // jti -> expires_at
  std::map<UserId, std::int64_t> not_before_;                // user -> ms
  std::map<std::int64_t, RevocationEvent> events_;           // by seq
  std::int64_t last_seq_ = 0;                                // the newest seq assigned
  std::int64_t purged_through_ = 0;                          // the newest seq purge deleted
};

// The OAuth records, which belong together: the clients, and the codes and consents that
// each name a client. One lock guards them all, so removing a client drops its codes and
// consents in the same step (as the SQL backends' ON DELETE CASCADE does), and a code's
// create() or a consent's put() sees whether its client exists as the SQL foreign keys do.
struct OAuthRecords {
  std::shared_mutex mu;
  std::map<std::string, Client, std::less<>> clients;
  // (created_at, id) for ClientStore::list(). std::string orders bytewise (as unsigned char),
  // as the SQL backends order ids.
  std::set<std::pair<std::int64_t, std::string>> clients_by_created;
  std::map<TokenHash, AuthorizationCode> codes;
  // user -> client_id -> the grant.
  std::map<UserId, std::map<std::string, Consent, std::less<>>> consents;
};

// Clients by id, with a (created_at, id) index for list(). update() never changes id or
// created_at, so the index holds across it.
class MemoryClientStore final : public ClientStore {
 public:
  explicit MemoryClientStore(std::shared_ptr<OAuthRecords> records)
      : records_(std::move(records)) {}

  std::expected<void, StoreError> create(const Client& client) override {
    std::unique_lock lock(records_->mu);
    if (!records_->clients.emplace(client.id, client).second) {
      return std::unexpected(StoreError::kConflict);
    }
    records_->clients_by_created.emplace(client.created_at, client.id);
    return {};
  }

  std::expected<Client, StoreError> find(std::string_view id) override {
    std::shared_lock lock(records_->mu);
    auto it = records_->clients.find(id);
    if (it == records_->clients.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<std::vector<Client>, StoreError> list() override {
    std::shared_lock lock(records_->mu);
    std::vector<Client> out;
    out.reserve(records_->clients_by_created.size());
    for (const auto& [created_at, id] : records_->clients_by_created) {
      out.push_back(records_->clients.at(id));
    }
    return out;
  }

  std::expected<void, StoreError> update(const Client& client) override {
    std::unique_lock lock(records_->mu);
    auto it = records_->clients.find(client.id);
    if (it == records_->clients.end()) return std::unexpected(StoreError::kNotFound);
    const std::int64_t created_at = it->second.created_at;
    it->second = client;
    it->second.created_at = created_at;
    return {};
  }

  std::expected<void, StoreError> set_secret(std::string_view id,
                                             const std::optional<TokenHash>& secret_hash,
                                             std::int64_t updated_at) override {
    std::unique_lock lock(records_->mu);
    auto it = records_->clients.find(id);
    if (it == records_->clients.end()) return std::unexpected(StoreError::kNotFound);
    it->second.secret_hash = secret_hash;
    it->second.updated_at = updated_at;
    return {};
  }

  // Also deletes the client's codes and consents.
  std::expected<void, StoreError> remove(std::string_view id) override {
    std::unique_lock lock(records_->mu);
    auto it = records_->clients.find(id);
    if (it == records_->clients.end()) return std::unexpected(StoreError::kNotFound);
    std::erase_if(records_->codes, [&](const auto& entry) { return entry.second.client_id == id; });
    for (auto user = records_->consents.begin(); user != records_->consents.end();) {
      if (auto grant = user->second.find(id); grant != user->second.end()) {
        user->second.erase(grant);
      }
      user = user->second.empty() ? records_->consents.erase(user) : std::next(user);
    }
    records_->clients_by_created.erase({it->second.created_at, it->second.id});
    records_->clients.erase(it);
    return {};
  }

 private:
  std::shared_ptr<OAuthRecords> records_;
};

// Codes by hash, beside the clients they name (OAuthRecords).
class MemoryAuthorizationCodeStore final : public AuthorizationCodeStore {
 public:
  explicit MemoryAuthorizationCodeStore(std::shared_ptr<OAuthRecords> records)
      : records_(std::move(records)) {}

  // A code for a client that does not exist is kNotFound, as the SQL backends' foreign key
  // makes it; a taken hash is kConflict first.
  std::expected<void, StoreError> create(const AuthorizationCode& code) override {
    std::unique_lock lock(records_->mu);
    if (records_->codes.contains(code.hash)) return std::unexpected(StoreError::kConflict);
    if (!records_->clients.contains(code.client_id)) {
      return std::unexpected(StoreError::kNotFound);
    }
    records_->codes.emplace(code.hash, code);
    return {};
  }

  std::expected<AuthorizationCode, StoreError> find(const TokenHash& hash) override {
    std::shared_lock lock(records_->mu);
    auto it = records_->codes.find(hash);
    if (it == records_->codes.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<bool, StoreError> redeem(const TokenHash& hash, std::int64_t now,
                                         const FamilyId& family) override {
    std::unique_lock lock(records_->mu);
    auto it = records_->codes.find(hash);
    if (it == records_->codes.end()) return std::unexpected(StoreError::kNotFound);
    AuthorizationCode& code = it->second;
    if (code.redeemed_at != 0) return false;
    // 0 means "not yet", so the redemption is recorded at 1 or later.
    code.redeemed_at = std::max<std::int64_t>(now, 1);
    code.family = family;
    return true;
  }

  std::expected<std::size_t, StoreError> purge(std::int64_t before) override {
    std::unique_lock lock(records_->mu);
    return std::erase_if(records_->codes,
                         [&](const auto& entry) { return entry.second.expires_at < before; });
  }

 private:
  std::shared_ptr<OAuthRecords> records_;
};

// Consents by user, then client id (OAuthRecords).
class MemoryConsentStore final : public ConsentStore {
 public:
  explicit MemoryConsentStore(std::shared_ptr<OAuthRecords> records)
      : records_(std::move(records)) {}

  std::expected<void, StoreError> put(const Consent& consent) override {
    std::unique_lock lock(records_->mu);
    if (!records_->clients.contains(consent.client_id)) {
      return std::unexpected(StoreError::kNotFound);
    }
    auto [it, created] =
        records_->consents[consent.user_id].try_emplace(consent.client_id, consent);
    if (!created) {
      it->second.scope = consent.scope;
      it->second.updated_at = consent.updated_at;
    }
    return {};
  }

  std::expected<Consent, StoreError> find(const UserId& user, std::string_view client_id) override {
    std::shared_lock lock(records_->mu);
    auto mine = records_->consents.find(user);
    if (mine == records_->consents.end()) return std::unexpected(StoreError::kNotFound);
    auto it = mine->second.find(client_id);
    if (it == mine->second.end()) return std::unexpected(StoreError::kNotFound);
    return it->second;
  }

  std::expected<std::vector<Consent>, StoreError> list(const UserId& user) override {
    std::vector<Consent> out;
    {
      std::shared_lock lock(records_->mu);
      auto mine = records_->consents.find(user);
      if (mine == records_->consents.end()) return out;
      out.reserve(mine->second.size());
      for (const auto& [client_id, consent] : mine->second) out.push_back(consent);
    }
    // By client id already (bytewise); stable, so created_at ties keep that order.
    std::ranges::stable_sort(out, {}, &Consent::created_at);
    return out;
  }

  std::expected<void, StoreError> remove(const UserId& user, std::string_view client_id) override {
    std::unique_lock lock(records_->mu);
    auto mine = records_->consents.find(user);
    if (mine == records_->consents.end()) return std::unexpected(StoreError::kNotFound);
    auto it = mine->second.find(client_id);
    if (it == mine->second.end()) return std::unexpected(StoreError::kNotFound);
    mine->second.erase(it);
    if (mine->second.empty()) records_->consents.erase(mine);
    return {};
  }

 private:
  std::shared_ptr<OAuthRecords> records_;
};

}  // namespace

Stores open_stores() {
  auto oauth = std::make_shared<OAuthRecords>();
  auto users = std::make_shared<MemoryUserStore>();
  LifecycleStores lifecycle = make_lifecycle_stores(users);
  auto sessions = std::make_shared<MemorySessionStore>();
  auto audit = std::make_shared<MemoryAuditStore>();
  auto refresh = std::make_shared<MemoryRefreshStore>();
  auto credentials = make_credential_store(users);
  FederatedIdentities federated = make_federated_identity_store(users);
  // UserStore::remove's cascade. The hooks hold weak references: the stores own the users
  // store's hooks, not the other way round.
  users->on_remove([sessions = std::weak_ptr(sessions), audit = std::weak_ptr(audit),
                    refresh = std::weak_ptr(refresh), oauth = std::weak_ptr(oauth),
                    credentials = std::weak_ptr(credentials), forget_lifecycle = lifecycle.forget,
                    forget_federated = federated.forget](const UserId& user) {
    if (auto s = sessions.lock()) (void)s->remove_all(user, nullptr);
    if (auto a = audit.lock()) a->forget_user(user);
    if (auto r = refresh.lock()) r->forget_user(user);
    if (auto o = oauth.lock()) {
      std::unique_lock lock(o->mu);
      o->consents.erase(user);
      std::erase_if(o->codes, [&](const auto& c) { return c.second.user_id == user; });
    }
    if (auto c = credentials.lock()) forget_credentials(*c, user);
    forget_lifecycle(user);
    forget_federated(user);
  });
  return Stores{.users = users,
                .sessions = sessions,
                .counters = std::make_shared<MemoryCounterStore>(),
                .audit = audit,
                .refresh = refresh,
                .keys = std::make_shared<MemoryKeyStore>(),
                .revocations = std::make_shared<MemoryRevocationStore>(),
                .clients = std::make_shared<MemoryClientStore>(oauth),
                .codes = std::make_shared<MemoryAuthorizationCodeStore>(oauth),
                .consents = std::make_shared<MemoryConsentStore>(oauth),
                .credentials = credentials,
                .outbox = lifecycle.outbox,
                .account_tokens = lifecycle.account_tokens,
                .federated_identities = federated.store,
                .changes = make_local_change_feed(),
                .ready = [] { return true; }};
}

}  // namespace tessera::store::memory
