#include "auth/revocation.h"

#include <utility>
#include <vector>

namespace tessera::auth {
namespace {

constexpr std::size_t kEventsPerRead = 1'000;

std::int64_t floor_seconds(std::int64_t ms) { return ms / 1000 - (ms % 1000 < 0 ? 1 : 0); }

verifier::MirrorConfig mirror_config(const RevocationConfig& c) {
  return {.bloom_expected = c.bloom_expected,
          .bloom_false_positive = c.bloom_false_positive,
          .not_before_keep_ms = c.not_before_keep * 1000,
          .max_staleness_ms = c.max_staleness_ms,
          .keep_denylist = false};  // the store is the denylist
}

Error unavailable() { return make_error(Errc::kUnavailable); }

}  // namespace

RevocationService::RevocationService(std::shared_ptr<store::RevocationStore> store,
                                     const base::Clock& clock, RevocationConfig config)
    : store_(std::move(store)), clock_(clock), config_(config), mirror_(mirror_config(config)) {}

std::expected<void, Error> RevocationService::resnapshot() {
  const std::int64_t now_ms = clock_.now_ms();
  auto snap = store_->snapshot(now_ms / 1000);
  if (!snap) return std::unexpected(from_store(snap.error()));
  verifier::MirrorSnapshot m;
  m.denied.reserve(snap->denied.size());
  for (store::DeniedToken& d : snap->denied) {
    m.denied.push_back({.key = std::move(d.jti), .expires_at = d.expires_at});
  }
  m.not_before.reserve(snap->not_before.size());
  for (const store::UserNotBefore& n : snap->not_before) {
    m.not_before.push_back({.user = n.user, .not_before_ms = n.not_before_ms});
  }
  m.seq = snap->seq;
  m.complete_since_ms = snap->complete_since_ms;
  mirror_.load(m, now_ms);
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
  if (listener_ != nullptr && ready()) listener_->on_reload(mirror_.seq());
}

std::expected<void, Error> RevocationService::start() {
  std::lock_guard writer(write_mu_);
  return resnapshot();
}

std::expected<void, Error> RevocationService::poll() {
  std::lock_guard writer(write_mu_);
  if (!ready()) return resnapshot();
  // A full filter answers "maybe" too often: start a fresh one from the live entries.
  if (mirror_.filter_full()) return resnapshot();
  const std::int64_t now_ms = clock_.now_ms();
  std::int64_t seq = mirror_.seq();
  std::vector<verifier::MirrorChange> changes;
  for (;;) {
    auto events = store_->events_after(seq, kEventsPerRead);
    if (!events) {
      if (events.error() == store::StoreError::kNotFound) return resnapshot();  // fell behind
      return std::unexpected(from_store(events.error()));
    }
    changes.clear();
    for (const store::RevocationEvent& e : *events) {
      const bool denied = e.kind == store::RevocationEvent::Kind::kDenied;
      changes.push_back({.kind = denied ? verifier::MirrorChange::Kind::kDenied
                                        : verifier::MirrorChange::Kind::kNotBefore,
                         .seq = e.seq,
                         .key = e.jti,
                         .expires_at = e.expires_at,
                         .user = e.user,
                         .not_before_ms = e.not_before_ms});
      seq = e.seq;
    }
    mirror_.apply(changes, now_ms);
    if (listener_ != nullptr) listener_->on_events(*events);
    if (events->size() < kEventsPerRead) break;
  }
  mirror_.mark_synced(now_ms);
  return {};
}

std::expected<void, Error> RevocationService::deny(std::string_view jti, std::int64_t expires_at) {
  std::lock_guard writer(write_mu_);
  // The store first: if it fails, nothing claims the token is revoked anywhere.
  auto r = store_->deny(jti, expires_at, clock_.now_unix());
  if (!r) return std::unexpected(from_store(r.error()));
  mirror_.add_denied(jti, expires_at);
  return {};
}

std::expected<std::int64_t, Error> RevocationService::revoke_user(const store::UserId& user) {
  std::lock_guard writer(write_mu_);
  const std::int64_t ms = clock_.now_ms();
  auto r = store_->set_not_before(user, ms);
  if (!r) return std::unexpected(from_store(r.error()));
  mirror_.raise_not_before(user, ms);
  return ms;
}

std::string RevocationService::family_key(std::string_view sid) {
  return verifier::RevocationMirror::family_key(sid);
}

std::expected<void, Error> RevocationService::deny_family(std::string_view sid,
                                                          std::int64_t expires_at) {
  return deny(family_key(sid), expires_at);
}

bool RevocationService::ready() const { return mirror_.ready(); }

TokenIdentity RevocationService::identify(const store::UserId& user, std::int64_t issued_ms,
                                          std::string jti, std::string_view sid) const {
  return mirror_.identify(user, issued_ms, std::move(jti), sid);
}

std::int64_t RevocationService::not_before_ms(const store::UserId& user) const {
  return mirror_.not_before_ms(user);
}

std::expected<bool, Error> RevocationService::is_revoked(const store::UserId& user,
                                                         std::string_view jti,
                                                         std::int64_t issued_ms,
                                                         std::int64_t now_ms) const {
  return is_revoked(identify(user, issued_ms, std::string(jti), {}), now_ms);
}

std::expected<bool, Error> RevocationService::is_revoked(const TokenIdentity& t,
                                                         std::int64_t now_ms) const {
  const verifier::Check c = mirror_.check(t, now_ms);
  switch (c.verdict) {
    case verifier::Verdict::kValid:
      return false;
    case verifier::Verdict::kRevoked:
      return true;
    case verifier::Verdict::kStale:
      return std::unexpected(unavailable());  // fail closed
    case verifier::Verdict::kAsk:
      break;
  }
  return confirm_denied(c.jti ? std::string_view(t.jti) : std::string_view(),
                        c.family ? std::string_view(t.family_key) : std::string_view(), now_ms);
}

std::optional<std::expected<bool, Error>> RevocationService::is_revoked_locally(
    const TokenIdentity& t, std::int64_t now_ms) const {
  switch (mirror_.check(t, now_ms).verdict) {
    case verifier::Verdict::kValid:
      return false;
    case verifier::Verdict::kRevoked:
      return true;
    case verifier::Verdict::kStale:
      return std::unexpected(unavailable());
    case verifier::Verdict::kAsk:
      break;
  }
  return std::nullopt;  // only the store can tell
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

RevocationStats RevocationService::stats() const { return mirror_.stats(); }

}  // namespace tessera::auth
