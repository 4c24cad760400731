#include "auth/revocation.h"

#include <cstring>
#include <utility>

namespace tessera::auth {
namespace {

constexpr std::size_t kEventsPerRead = 1'000;

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

std::expected<void, Error> RevocationService::resnapshot() {
  const std::int64_t now_ms = clock_.now_ms();
  auto snap = store_->snapshot(now_ms / 1000);
  if (!snap) return std::unexpected(from_store(snap.error()));
  auto next = std::make_shared<State>();
  next->bloom = std::make_shared<BloomFilter>(
      std::max(config_.bloom_expected, snap->denied.size() * 2), config_.bloom_false_positive);
  for (const store::DeniedToken& d : snap->denied) next->bloom->add(d.jti);
  auto table = std::make_shared<NotBefore>();
  for (const store::UserNotBefore& n : snap->not_before) (*table)[n.user] = n.not_before_ms;
  prune(*table, now_ms);
  next->not_before = std::move(table);
  next->seq = snap->seq;
  {
    std::lock_guard lock(read_mu_);
    state_ = std::move(next);
  }
  synced_ms_.store(now_ms, std::memory_order_release);
  ready_.store(true, std::memory_order_release);
  return {};
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
  std::lock_guard lock(read_mu_);
  state_ = std::move(next);
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
    if (events->size() < kEventsPerRead) break;
  }
  if (seq != current->seq || table) {
    auto next = std::make_shared<State>(*current);
    next->seq = seq;
    if (table) next->not_before = std::move(table);
    std::lock_guard lock(read_mu_);
    state_ = std::move(next);
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

std::expected<bool, Error> RevocationService::is_revoked(const store::UserId& user,
                                                         std::string_view jti,
                                                         std::int64_t issued_ms,
                                                         std::int64_t now) const {
  if (!ready()) return std::unexpected(make_error(Errc::kUnavailable));
  if (clock_.now_ms() - synced_ms_.load(std::memory_order_acquire) > config_.max_staleness_ms) {
    return std::unexpected(make_error(Errc::kUnavailable));
  }
  const auto s = state();
  if (auto it = s->not_before->find(user); it != s->not_before->end() && issued_ms <= it->second) {
    return true;
  }
  if (!s->bloom->might_contain(jti)) return false;
  auto denied = store_->is_denied(jti, now);
  if (!denied) return std::unexpected(from_store(denied.error()));
  return *denied;
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
