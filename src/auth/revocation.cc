#include "auth/revocation.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tessera::auth {
namespace {

constexpr std::size_t kEventsPerRead = 1'000;

// Versions of published states, shared by every RevocationService in the process so that a
// thread's cached version names one State only (read_state()). 0 is never issued.
std::atomic<std::uint64_t> g_next_version{1};

std::int64_t floor_seconds(std::int64_t ms) { return ms / 1000 - (ms % 1000 < 0 ? 1 : 0); }

// This thread's last State read by is_revoked() (of whichever instance; read_state()). The
// fast path touches only the two trivially destructible variables; t_keep owns the State.
thread_local std::uint64_t t_version = 0;  // its version; 0: none
thread_local const void* t_state = nullptr;
thread_local std::shared_ptr<const void> t_keep;

}  // namespace

void RevocationService::prune(NotBefore& table, std::int64_t now_ms) const {
  // A not-before older than every live token's issue time can never match again.
  const std::int64_t relevant_after = now_ms - config_.not_before_keep * 1000;
  std::erase_if(table, [&](const auto& kv) { return kv.second < relevant_after; });
}

std::size_t RevocationService::UserIdHash::operator()(const store::UserId& u) const noexcept {
  // User ids are 128 random bits.
  std::size_t v = 0;
  std::memcpy(&v, u.data(), sizeof v);
  return v;
}

RevocationService::RevocationService(std::shared_ptr<store::RevocationStore> store,
                                     const base::Clock& clock, RevocationConfig config)
    : store_(std::move(store)), clock_(clock), config_(config) {}

std::shared_ptr<const RevocationService::State> RevocationService::state() const {
  std::lock_guard lock(read_mu_);
  return state_;
}

void RevocationService::publish(std::shared_ptr<State> next) {
  next->version = g_next_version.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t version = next->version;
  std::shared_ptr<const State> previous;  // released after the lock (declared before it)
  std::lock_guard lock(read_mu_);
  previous = std::exchange(state_, std::move(next));
  // After state_, under the same lock: a reader that sees this version and misses its cache
  // copies state_ under read_mu_ and gets this State or a later one.
  version_.store(version, std::memory_order_release);
}

inline const RevocationService::State* RevocationService::read_state() const {
  const std::uint64_t current = version_.load(std::memory_order_acquire);
  // Equal versions name the same State: no other State of any instance has this number.
  if (current == t_version && current != 0) [[likely]] {
    return static_cast<const State*>(t_state);
  }
  return reload_state();
}

[[gnu::noinline]] const RevocationService::State* RevocationService::reload_state() const {
  std::shared_ptr<const State> s = state();  // under read_mu_: this version or a later one
  t_version = s ? s->version : 0;
  t_state = s.get();
  // The previous State is released here, outside read_mu_ (and after t_state moved on).
  std::shared_ptr<const void> previous = std::exchange(t_keep, std::move(s));
  return static_cast<const State*>(t_state);
}

std::expected<void, Error> RevocationService::resnapshot() {
  const std::int64_t now_ms = clock_.now_ms();
  auto snap = store_->snapshot(now_ms / 1000);
  if (!snap) return std::unexpected(from_store(snap.error()));
  auto next = std::make_shared<State>();
  next->bloom =
      std::make_shared<BloomFilter>(std::max(config_.bloom_expected, snap->denied.size() * 2),
                                    config_.bloom_false_positive, bloom_key_);
  for (const store::DeniedToken& d : snap->denied) next->bloom->add(d.jti);
  auto table = std::make_shared<NotBefore>();
  for (const store::UserNotBefore& n : snap->not_before) (*table)[n.user] = n.not_before_ms;
  prune(*table, now_ms);
  next->not_before = std::move(table);
  next->seq = snap->seq;
  next->complete_since_ms = snap->complete_since_ms;
  publish(std::move(next));
  synced_ms_.store(now_ms, std::memory_order_release);
  ready_.store(true, std::memory_order_release);
  if (listener_ != nullptr) listener_->on_reload(snap->seq);
  return {};
}

std::expected<store::RevocationSnapshot, Error> RevocationService::store_snapshot() const {
  auto snap = store_->snapshot(clock_.now_unix());
  if (!snap) return std::unexpected(from_store(snap.error()));
  return std::move(*snap);
}

void RevocationService::set_listener(RevocationLogListener* listener) {
  std::lock_guard writer(write_mu_);
  listener_ = listener;
  if (listener_ != nullptr && ready()) listener_->on_reload(state()->seq);
}

std::expected<void, Error> RevocationService::start() {
  std::lock_guard writer(write_mu_);
  return resnapshot();
}

void RevocationService::raise_not_before(const store::UserId& user, std::int64_t ms) {
  auto current = state();
  auto it = current->not_before->find(user);
  if (it != current->not_before->end() && it->second >= ms) return;
  auto table = std::make_shared<NotBefore>(*current->not_before);
  prune(*table, ms);
  (*table)[user] = ms;
  auto next = std::make_shared<State>(*current);
  next->not_before = std::move(table);
  publish(std::move(next));
}

std::expected<void, Error> RevocationService::poll() {
  std::lock_guard writer(write_mu_);
  if (!ready()) return resnapshot();
  auto current = state();
  // A full filter answers "maybe" too often: start a fresh one from the live entries.
  if (current->bloom->added() > std::max(config_.bloom_expected, std::size_t{1})) {
    return resnapshot();
  }
  const std::int64_t now_ms = clock_.now_ms();
  std::int64_t seq = current->seq;
  std::shared_ptr<NotBefore> table;  // copied on the first not-before event only
  for (;;) {
    auto events = store_->events_after(seq, kEventsPerRead);
    if (!events) {
      if (events.error() == store::StoreError::kNotFound) return resnapshot();  // fell behind
      return std::unexpected(from_store(events.error()));
    }
    for (const store::RevocationEvent& e : *events) {
      if (e.kind == store::RevocationEvent::Kind::kDenied) {
        if (e.expires_at >= now_ms / 1000) current->bloom->add(e.jti);
      } else {
        if (!table) {
          table = std::make_shared<NotBefore>(*current->not_before);
          prune(*table, now_ms);
        }
        std::int64_t& v = (*table)[e.user];
        v = std::max(v, e.not_before_ms);
      }
      seq = e.seq;
    }
    if (listener_ != nullptr) listener_->on_events(*events);
    if (events->size() < kEventsPerRead) break;
  }
  if (seq != current->seq || table) {
    auto next = std::make_shared<State>(*current);
    next->seq = seq;
    if (table) next->not_before = std::move(table);
    publish(std::move(next));
  }
  synced_ms_.store(now_ms, std::memory_order_release);
  return {};
}

std::expected<void, Error> RevocationService::deny(std::string_view jti, std::int64_t expires_at) {
  std::lock_guard writer(write_mu_);
  // The store first: if it fails, nothing claims the token is revoked anywhere.
  auto r = store_->deny(jti, expires_at, clock_.now_unix());
  if (!r) return std::unexpected(from_store(r.error()));
  if (auto s = state()) s->bloom->add(jti);
  return {};
}

std::expected<std::int64_t, Error> RevocationService::revoke_user(const store::UserId& user) {
  std::lock_guard writer(write_mu_);
  const std::int64_t ms = clock_.now_ms();
  auto r = store_->set_not_before(user, ms);
  if (!r) return std::unexpected(from_store(r.error()));
  if (state()) raise_not_before(user, ms);
  return ms;
}

std::string RevocationService::family_key(std::string_view sid) {
  return "sid:" + std::string(sid);
}

std::expected<void, Error> RevocationService::deny_family(std::string_view sid,
                                                          std::int64_t expires_at) {
  return deny(family_key(sid), expires_at);
}

TokenIdentity RevocationService::identify(const store::UserId& user, std::int64_t issued_ms,
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

std::int64_t RevocationService::not_before_ms(const store::UserId& user) const {
  auto s = state();
  if (!s) return 0;
  auto it = s->not_before->find(user);
  return std::max(s->complete_since_ms, it == s->not_before->end() ? 0 : it->second);
}

inline std::expected<const RevocationService::State*, Error> RevocationService::current_state(
    std::int64_t now_ms) const {
  if (!ready()) [[unlikely]] {
    return std::unexpected(make_error(Errc::kUnavailable));
  }
  if (now_ms - synced_ms_.load(std::memory_order_acquire) > config_.max_staleness_ms) {
    // Fail closed: the state may be missing revocations.
    return std::unexpected(make_error(Errc::kUnavailable));
  }
  return read_state();  // published before ready_ was set: never null here
}

inline bool RevocationService::revoked_by_time(const State& s, const store::UserId& user,
                                               std::int64_t issued_ms) {
  if (issued_ms <= s.complete_since_ms) return true;  // its revocation may be lost
  auto it = s.not_before->find(user);
  return it != s.not_before->end() && issued_ms <= it->second;
}

std::expected<bool, Error> RevocationService::is_revoked(const store::UserId& user,
                                                         std::string_view jti,
                                                         std::int64_t issued_ms,
                                                         std::int64_t now_ms) const {
  auto state = current_state(now_ms);
  if (!state) return std::unexpected(state.error());
  const State* s = *state;
  if (revoked_by_time(*s, user, issued_ms)) return true;
  if (!s->bloom->might_contain(jti)) return false;
  return confirm_denied(jti, {}, now_ms);  // `s` is not used past this point
}

std::expected<bool, Error> RevocationService::is_revoked(const TokenIdentity& t,
                                                         std::int64_t now_ms) const {
  bool jti = false, family = false;
  if (auto answer = check_locally(t, now_ms, jti, family)) return *answer;
  return confirm_denied(jti ? std::string_view(t.jti) : std::string_view(),
                        family ? std::string_view(t.family_key) : std::string_view(), now_ms);
}

std::optional<std::expected<bool, Error>> RevocationService::is_revoked_locally(
    const TokenIdentity& t, std::int64_t now_ms) const {
  bool jti = false, family = false;
  return check_locally(t, now_ms, jti, family);
}

inline std::optional<std::expected<bool, Error>> RevocationService::check_locally(
    const TokenIdentity& t, std::int64_t now_ms, bool& jti, bool& family) const {
  auto state = current_state(now_ms);
  if (!state) return std::unexpected(state.error());
  const State* s = *state;
  if (revoked_by_time(*s, t.user, t.issued_ms)) return true;
  // The filter's key is bloom_key_ for every filter this service builds, so the hashes made
  // by identify() stay valid across rebuilds.
  jti = s->bloom->might_contain_hash(t.jti_hash);
  family = !t.family_key.empty() && s->bloom->might_contain_hash(t.family_hash);
  if (!jti && !family) return false;
  return std::nullopt;  // `s` is not used past this point
}

[[gnu::noinline]] std::expected<bool, Error> RevocationService::confirm_denied(
    std::string_view jti, std::string_view family, std::int64_t now_ms) const {
  for (std::string_view key : {jti, family}) {
    if (key.empty()) continue;
    auto denied = store_->is_denied(key, floor_seconds(now_ms));
    if (!denied) return std::unexpected(from_store(denied.error()));
    if (*denied) return true;
  }
  return false;
}

std::expected<std::size_t, Error> RevocationService::purge() {
  const std::int64_t now = clock_.now_unix();
  auto n = store_->purge(now, now - config_.log_keep);
  if (!n) return std::unexpected(from_store(n.error()));
  return *n;
}

RevocationStats RevocationService::stats() const {
  RevocationStats out;
  if (auto s = state()) {
    out.bloom_bits = s->bloom->bits();
    out.bloom_probes = s->bloom->probes();
    out.bloom_entries = s->bloom->added();
    out.users_not_before = s->not_before->size();
    out.seq = s->seq;
  }
  return out;
}

}  // namespace tessera::auth
