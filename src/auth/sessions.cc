#include "auth/sessions.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "auth/opaque_token.h"
#include "auth/text.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxUserAgentBytes = 512;
constexpr std::size_t kMaxIpBytes = 64;

std::string_view view(const store::TokenHash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

Error unauthenticated() { return make_error(Errc::kUnauthenticated); }

}  // namespace

SessionService::SessionService(std::shared_ptr<store::SessionStore> sessions,
                               std::shared_ptr<store::UserStore> users, SessionConfig config)
    : sessions_(std::move(sessions)),
      users_(std::move(users)),
      config_(config),
      cache_(config.cache_capacity) {
  config_.max_per_user = std::max<std::size_t>(1, config_.max_per_user);
}

std::optional<store::TokenHash> SessionService::hash_token(std::string_view raw) {
  return hash_opaque_token(raw);
}

std::string SessionService::public_id(const store::TokenHash& id_hash) {
  std::string material = "tessera session public id";
  material.append(view(id_hash));
  const auto d = crypto::sha256(material);
  return base::base64url_encode(std::string_view(reinterpret_cast<const char*>(d.data()), 16));
}

bool SessionService::csrf_matches(const store::Session& s, std::string_view presented) {
  // The length of a valid token is public; only its content is compared in constant time.
  if (presented.size() != kSessionTokenChars) return false;
  return same_token_hash(token_hash_of(presented), s.csrf_hash);
}

bool SessionService::expired(const store::Session& s, std::int64_t now) const {
  return now >= s.last_seen_at + config_.idle_timeout ||
         now >= s.created_at + config_.absolute_lifetime;
}

std::expected<NewSession, Error> SessionService::mint(store::Session record) {
  NewSession out;
  out.id = new_opaque_token();
  out.csrf_token = new_opaque_token();
  record.id_hash = token_hash_of(out.id);
  record.csrf_hash = token_hash_of(out.csrf_token);
  auto evicted = sessions_->create(record, config_.max_per_user);
  if (!evicted) return std::unexpected(from_store(evicted.error()));
  if (*evicted > 0) forget_user(record.user_id);  // which ones went is not reported
  out.evicted = *evicted;
  out.public_id = public_id(record.id_hash);
  out.record = std::move(record);
  return out;
}

std::expected<NewSession, Error> SessionService::create(const store::User& user,
                                                        std::string_view ip,
                                                        std::string_view user_agent,
                                                        std::int64_t now, const Amr& amr,
                                                        std::int64_t auth_time) {
  store::Session s;
  s.user_id = user.id;
  s.created_at = now;
  s.last_seen_at = now;
  s.auth_time = auth_time > 0 && auth_time <= now ? auth_time : now;
  s.amr = amr.text();
  s.ip = sanitize_truncate(ip, kMaxIpBytes);
  s.user_agent = sanitize_truncate(user_agent, kMaxUserAgentBytes);
  return mint(std::move(s));
}

std::expected<CurrentSession, Error> SessionService::authenticate(std::string_view raw_id,
                                                                  std::int64_t now) {
  auto shared = authenticate_shared(raw_id, now);
  if (!shared) return std::unexpected(shared.error());
  return **shared;
}

std::expected<std::shared_ptr<const CurrentSession>, Error> SessionService::authenticate_shared(
    std::string_view raw_id, std::int64_t now) {
  const auto id_hash = hash_token(raw_id);
  if (!id_hash) return std::unexpected(unauthenticated());  // no store call for junk
  if (auto hit = cached_hash(*id_hash, now)) return hit;
  return load(*id_hash, now);
}

std::shared_ptr<const CurrentSession> SessionService::cached(std::string_view raw_id,
                                                             std::int64_t now) const {
  const auto id_hash = hash_token(raw_id);
  return id_hash ? cached_hash(*id_hash, now) : nullptr;
}

std::shared_ptr<const CurrentSession> SessionService::cached_hash(const store::TokenHash& id_hash,
                                                                  std::int64_t now) const {
  auto hit = cache_.get(id_hash, now);
  // Expiry is re-checked on every hit; a due touch takes the store path (load).
  if (hit && !expired(hit->session, now) &&
      now - hit->session.last_seen_at < config_.touch_interval) {
    return hit;
  }
  return nullptr;
}

void SessionService::forget(const store::TokenHash& id_hash) { cache_.erase(id_hash); }

void SessionService::forget_all() {
  cache_.erase_if([](const CurrentSession&) { return true; });
}

void SessionService::forget_user(const store::UserId& user) {
  cache_.erase_if([&](const CurrentSession& c) { return c.user.id == user; });
}

std::expected<std::shared_ptr<const CurrentSession>, Error> SessionService::load(
    const store::TokenHash& id_hash, std::int64_t now) {
  const std::uint64_t generation = cache_.generation();  // before the reads (see put())
  auto s = sessions_->find(id_hash);
  if (!s) {
    if (s.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(s.error()));
  }
  if (expired(*s, now)) {
    (void)sessions_->remove(id_hash);  // best effort; purge() catches what this misses
    cache_.erase(id_hash);
    return std::unexpected(unauthenticated());
  }
  auto user = users_->find_by_id(s->user_id);
  if (!user) {
    if (user.error() != store::StoreError::kNotFound) {
      return std::unexpected(from_store(user.error()));
    }
    (void)sessions_->remove(id_hash);
    cache_.erase(id_hash);
    return std::unexpected(unauthenticated());
  }
  if (user->disabled) {
    (void)sessions_->remove(id_hash);
    cache_.erase(id_hash);
    return std::unexpected(unauthenticated());
  }
  if (now - s->last_seen_at >= config_.touch_interval) {
    // Best effort: a missed touch can only make the idle timeout come early.
    if (sessions_->touch(id_hash, now)) s->last_seen_at = now;
  }
  auto out = std::make_shared<CurrentSession>();
  out->public_id = public_id(s->id_hash);
  out->session = std::move(*s);
  out->user = std::move(*user);
  cache_.put(id_hash, out, /*tag=*/now, generation);
  return out;
}

std::expected<NewSession, Error> SessionService::rotate(const store::Session& current,
                                                        std::int64_t now,
                                                        std::optional<Authentication> fresh) {
  // Remove first: if it is already gone (revoked concurrently), do not resurrect it.
  auto removed = sessions_->remove(current.id_hash);
  cache_.erase(current.id_hash);  // after the store: see HashCache's contract
  if (auto& r = removed; !r) {
    if (r.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(r.error()));
  }
  store::Session next = current;
  next.last_seen_at = now;
  if (fresh) {
    next.auth_time = fresh->time;
    next.amr = fresh->methods.text();
  }
  return mint(std::move(next));
}

std::expected<store::Session, Error> SessionService::revoke(std::string_view raw_id) {
  const auto id_hash = hash_token(raw_id);
  if (!id_hash) return std::unexpected(unauthenticated());
  auto s = sessions_->find(*id_hash);
  if (!s) {
    if (s.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(s.error()));
  }
  auto removed = sessions_->remove(*id_hash);
  cache_.erase(*id_hash);
  if (auto& r = removed; !r) {
    if (r.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(r.error()));
  }
  return std::move(*s);
}

std::expected<store::Session, Error> SessionService::revoke_public(const store::UserId& user,
                                                                   std::string_view public_id) {
  auto all = sessions_->list(user);
  if (!all) return std::unexpected(from_store(all.error()));
  for (auto& s : *all) {
    if (crypto::constant_time_equal(SessionService::public_id(s.id_hash), public_id)) {
      auto removed = sessions_->remove(s.id_hash);
      cache_.erase(s.id_hash);
      if (auto& r = removed; !r) {
        if (r.error() == store::StoreError::kNotFound) break;
        return std::unexpected(from_store(r.error()));
      }
      return std::move(s);
    }
  }
  return std::unexpected(make_error(Errc::kNotFound));
}

std::expected<std::size_t, Error> SessionService::revoke_all(const store::UserId& user,
                                                             const store::TokenHash* keep) {
  auto n = sessions_->remove_all(user, keep);
  forget_user(user);
  if (!n) return std::unexpected(from_store(n.error()));
  return *n;
}

std::expected<std::vector<SessionInfo>, Error> SessionService::list(
    const store::UserId& user, std::int64_t now, const store::TokenHash* current) {
  auto all = sessions_->list(user);
  if (!all) return std::unexpected(from_store(all.error()));
  std::vector<SessionInfo> out;
  out.reserve(all->size());
  for (auto& s : *all) {
    if (expired(s, now)) continue;
    out.push_back(SessionInfo{.id = public_id(s.id_hash),
                              .created_at = s.created_at,
                              .last_seen_at = s.last_seen_at,
                              .ip = std::move(s.ip),
                              .user_agent = std::move(s.user_agent),
                              .current = current != nullptr && *current == s.id_hash});
  }
  return out;
}

std::expected<std::size_t, Error> SessionService::purge(std::int64_t now) {
  // Expired means now >= created_at + absolute (created_at < now - absolute + 1), and likewise
  // for last_seen_at with the idle timeout.
  auto n = sessions_->purge(now - config_.absolute_lifetime + 1, now - config_.idle_timeout + 1);
  if (!n) return std::unexpected(from_store(n.error()));
  return *n;
}

}  // namespace tessera::auth
