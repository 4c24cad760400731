#include "verifier/revocation_mirror.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tessera::verifier {
namespace {

// Versions of published states, shared by every mirror in the process so that a thread's cached
// version names one State only (read_state()). 0 is never issued.
std::atomic<std::uint64_t> g_next_version{1};

std::int64_t floor_seconds(std::int64_t ms) { return ms / 1000 - (ms % 1000 < 0 ? 1 : 0); }

// How often a kept denylist drops its expired entries (it is otherwise only added to).
constexpr std::int64_t kDenylistPruneEveryMs = 60'000;

// This thread's last State read by check() (of whichever mirror; read_state()). The fast path
// touches only the two trivially destructible variables; t_keep owns the State.
thread_local std::uint64_t t_version = 0;  // its version; 0: none
thread_local const void* t_state = nullptr;
thread_local std::shared_ptr<const void> t_keep;

}  // namespace

std::size_t RevocationMirror::UserKeyHash::operator()(const UserKey& u) const noexcept {
  // User ids are 128 random bits.
  std::size_t v = 0;
  std::memcpy(&v, u.data(), sizeof v);
  return v;
}

RevocationMirror::RevocationMirror(MirrorConfig config) : config_(config) {}
RevocationMirror::~RevocationMirror() = default;

std::string RevocationMirror::family_key(std::string_view sid) { return "sid:" + std::string(sid); }

std::shared_ptr<const RevocationMirror::State> RevocationMirror::state() const {
  std::lock_guard lock(read_mu_);
  return state_;
}

void RevocationMirror::publish(std::shared_ptr<State> next) {
  next->version = g_next_version.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t version = next->version;
  std::shared_ptr<const State> previous;  // released after the lock (declared before it)
  std::lock_guard lock(read_mu_);
  previous = std::exchange(state_, std::move(next));
  // After state_, under the same lock: a reader that sees this version and misses its cache
  // copies state_ under read_mu_ and gets this State or a later one.
  version_.store(version, std::memory_order_release);
}

inline const RevocationMirror::State* RevocationMirror::read_state() const {
  const std::uint64_t current = version_.load(std::memory_order_acquire);
  // Equal versions name the same State: no other State of any mirror has this number.
  if (current == t_version && current != 0) [[likely]] {
    return static_cast<const State*>(t_state);
  }
  return reload_state();
}

[[gnu::noinline]] const RevocationMirror::State* RevocationMirror::reload_state() const {
  std::shared_ptr<const State> s = state();  // under read_mu_: this version or a later one
  t_version = s ? s->version : 0;
  t_state = s.get();
  // The previous State is released here, outside read_mu_ (and after t_state moved on).
  std::shared_ptr<const void> previous = std::exchange(t_keep, std::move(s));
  return static_cast<const State*>(t_state);
}

void RevocationMirror::prune(NotBefore& table, std::int64_t now_ms) const {
  // A not-before older than every live token's issue time can never match again.
  const std::int64_t relevant_after = now_ms - config_.not_before_keep_ms;
  std::erase_if(table, [&](const auto& kv) { return kv.second < relevant_after; });
}

void RevocationMirror::load(const MirrorSnapshot& snapshot, std::int64_t now_ms) {
  std::lock_guard writer(write_mu_);
  const std::int64_t now_s = floor_seconds(now_ms);
  auto next = std::make_shared<State>();
  next->bloom =
      std::make_shared<BloomFilter>(std::max(config_.bloom_expected, snapshot.denied.size() * 2),
                                    config_.bloom_false_positive, bloom_key_);
  std::unordered_map<std::string, std::int64_t> denylist;
  for (const DeniedKey& d : snapshot.denied) {
    if (d.expires_at < now_s) continue;
    next->bloom->add(d.key);
    if (config_.keep_denylist) {
      std::int64_t& exp = denylist[d.key];
      exp = std::max(exp, d.expires_at);
    }
  }
  auto table = std::make_shared<NotBefore>();
  for (const UserNotBefore& n : snapshot.not_before) {
    std::int64_t& v = (*table)[n.user];
    v = std::max(v, n.not_before_ms);
  }
  prune(*table, now_ms);
  next->not_before = std::move(table);
  next->seq = snapshot.seq;
  next->complete_since_ms = snapshot.complete_since_ms;
  if (config_.keep_denylist) {
    // Before the state that needs it is published: a hit on the new filter finds its entry.
    std::lock_guard lock(denylist_mu_);
    denylist_ = std::move(denylist);
  }
  publish(std::move(next));
  synced_ms_.store(now_ms, std::memory_order_release);
  ready_.store(true, std::memory_order_release);
}

void RevocationMirror::apply(std::span<const MirrorChange> changes, std::int64_t now_ms) {
  std::lock_guard writer(write_mu_);
  auto current = state();
  if (!current || changes.empty()) return;
  const std::int64_t now_s = floor_seconds(now_ms);
  std::int64_t seq = current->seq;
  std::shared_ptr<NotBefore> table;  // copied on the first not-before change only
  for (const MirrorChange& c : changes) {
    if (c.kind == MirrorChange::Kind::kDenied) {
      if (c.expires_at >= now_s) {
        if (config_.keep_denylist) {
          std::lock_guard lock(denylist_mu_);
          std::int64_t& exp = denylist_[std::string(c.key)];
          exp = std::max(exp, c.expires_at);
        }
        current->bloom->add(c.key);  // after the denylist entry: a hit finds it
      }
    } else {
      if (!table) {
        table = std::make_shared<NotBefore>(*current->not_before);
        prune(*table, now_ms);
      }
      std::int64_t& v = (*table)[c.user];
      v = std::max(v, c.not_before_ms);
    }
    seq = std::max(seq, c.seq);
  }
  if (seq != current->seq || table) {
    auto next = std::make_shared<State>(*current);
    next->seq = seq;
    if (table) next->not_before = std::move(table);
    publish(std::move(next));
  }
}

void RevocationMirror::add_denied(std::string_view key, std::int64_t expires_at) {
  std::lock_guard writer(write_mu_);
  if (config_.keep_denylist) {
    std::lock_guard lock(denylist_mu_);
    std::int64_t& exp = denylist_[std::string(key)];
    exp = std::max(exp, expires_at);
  }
  if (auto s = state()) s->bloom->add(key);
}

void RevocationMirror::raise_not_before(const UserKey& user, std::int64_t ms) {
  std::lock_guard writer(write_mu_);
  auto current = state();
  if (!current) return;
  auto it = current->not_before->find(user);
  if (it != current->not_before->end() && it->second >= ms) return;
  auto table = std::make_shared<NotBefore>(*current->not_before);
  prune(*table, ms);
  (*table)[user] = ms;
  auto next = std::make_shared<State>(*current);
  next->not_before = std::move(table);
  publish(std::move(next));
}

void RevocationMirror::mark_synced(std::int64_t now_ms) {
  std::lock_guard writer(write_mu_);
  synced_ms_.store(now_ms, std::memory_order_release);
  if (config_.keep_denylist && now_ms - denylist_pruned_ms_ >= kDenylistPruneEveryMs) {
    denylist_pruned_ms_ = now_ms;
    const std::int64_t now_s = floor_seconds(now_ms);
    std::lock_guard lock(denylist_mu_);
    std::erase_if(denylist_, [&](const auto& kv) { return kv.second < now_s; });
  }
}

bool RevocationMirror::filter_full() const {
  auto s = state();
  return s && s->bloom->added() > std::max(config_.bloom_expected, std::size_t{1});
}

std::int64_t RevocationMirror::seq() const {
  auto s = state();
  return s ? s->seq : 0;
}

TokenIdentity RevocationMirror::identify(const UserKey& user, std::int64_t issued_ms,
                                         std::string jti, std::string_view sid) const {
  TokenIdentity t;
  t.user = user;
  t.issued_ms = issued_ms;
  t.jti_hash = bloom_key_.hash(jti);
  t.jti = std::move(jti);
  if (!sid.empty()) {
    t.family_key = family_key(sid);
    t.family_hash = bloom_key_.hash(t.family_key);
  }
  return t;
}

Check RevocationMirror::check(const TokenIdentity& t, std::int64_t now_ms, bool allow_stale) const {
  if (!ready()) [[unlikely]] {
    return {};
  }
  if (!allow_stale &&
      now_ms - synced_ms_.load(std::memory_order_acquire) > config_.max_staleness_ms) {
    return {};  // kStale: the state may be missing revocations
  }
  const State* s = read_state();  // published before ready_ was set: never null here
  // Revoked by time alone: issued at or before the state's start or the user's not-before.
  if (t.issued_ms <= s->complete_since_ms) return {.verdict = Verdict::kRevoked};
  if (auto it = s->not_before->find(t.user);
      it != s->not_before->end() && t.issued_ms <= it->second) {
    return {.verdict = Verdict::kRevoked};
  }
  // Every filter of this mirror uses bloom_key_, so identify()'s hashes stay valid across
  // rebuilds.
  Check out{.verdict = Verdict::kAsk,
            .jti = s->bloom->might_contain_hash(t.jti_hash),
            .family = !t.family_key.empty() && s->bloom->might_contain_hash(t.family_hash)};
  if (!out.jti && !out.family) return {.verdict = Verdict::kValid};
  if (!config_.keep_denylist) return out;  // `s` is not used past this point
  const std::int64_t now_s = floor_seconds(now_ms);
  if ((out.jti && denied(t.jti, now_s)) || (out.family && denied(t.family_key, now_s))) {
    return {.verdict = Verdict::kRevoked};
  }
  return {.verdict = Verdict::kValid};
}

[[gnu::noinline]] bool RevocationMirror::denied(std::string_view key, std::int64_t now_s) const {
  std::lock_guard lock(denylist_mu_);
  auto it = denylist_.find(std::string(key));
  return it != denylist_.end() && it->second >= now_s;
}

std::int64_t RevocationMirror::not_before_ms(const UserKey& user) const {
  auto s = state();
  if (!s) return 0;
  auto it = s->not_before->find(user);
  return std::max(s->complete_since_ms, it == s->not_before->end() ? 0 : it->second);
}

MirrorStats RevocationMirror::stats() const {
  MirrorStats out;
  if (auto s = state()) {
    out.bloom_bits = s->bloom->bits();
    out.bloom_probes = s->bloom->probes();
    out.bloom_entries = s->bloom->added();
    out.users_not_before = s->not_before->size();
    out.seq = s->seq;
  }
  std::lock_guard lock(denylist_mu_);
  out.denylist_entries = denylist_.size();
  return out;
}

}  // namespace tessera::verifier
