#include "auth/sessions.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "auth/text.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMaxUserAgentBytes = 512;
constexpr std::size_t kMaxIpBytes = 64;

store::TokenHash sha256_of(std::string_view s) {
  const auto d = crypto::sha256(s);
  store::TokenHash h{};
  std::memcpy(h.data(), d.data(), h.size());
  return h;
}

std::string_view view(const store::TokenHash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// A fresh 256-bit secret, base64url.
std::string new_token() { return base::base64url_encode(crypto::random_bytes(kTokenBytes)); }

Error unauthenticated() { return make_error(Errc::kUnauthenticated); }

}  // namespace

SessionService::SessionService(std::shared_ptr<store::SessionStore> sessions,
                               std::shared_ptr<store::UserStore> users, SessionConfig config)
    : sessions_(std::move(sessions)), users_(std::move(users)), config_(config) {
  config_.max_per_user = std::max<std::size_t>(1, config_.max_per_user);
}

std::optional<store::TokenHash> SessionService::hash_token(std::string_view raw) {
  if (raw.size() != kSessionTokenChars) return std::nullopt;
  char buf[base::base64url_decoded_size(kSessionTokenChars)];
  const auto n = base::base64url_decode_into(raw, buf);
  if (!n || *n != kTokenBytes) return std::nullopt;
  return sha256_of(raw);
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
  const store::TokenHash h = sha256_of(presented);
  return crypto::constant_time_equal(view(h), view(s.csrf_hash));
}

bool SessionService::expired(const store::Session& s, std::int64_t now) const {
  return now >= s.last_seen_at + config_.idle_timeout ||
         now >= s.created_at + config_.absolute_lifetime;
}

std::expected<NewSession, Error> SessionService::mint(store::Session record) {
  NewSession out;
  out.id = new_token();
  out.csrf_token = new_token();
  record.id_hash = sha256_of(out.id);
  record.csrf_hash = sha256_of(out.csrf_token);
  auto evicted = sessions_->create(record, config_.max_per_user);
  if (!evicted) return std::unexpected(from_store(evicted.error()));
  out.evicted = *evicted;
  out.public_id = public_id(record.id_hash);
  out.record = std::move(record);
  return out;
}

std::expected<NewSession, Error> SessionService::create(const store::User& user,
                                                        std::string_view ip,
                                                        std::string_view user_agent,
                                                        std::int64_t now) {
  store::Session s;
  s.user_id = user.id;
  s.created_at = now;
  s.last_seen_at = now;
  s.auth_time = now;
  s.ip = sanitize_truncate(ip, kMaxIpBytes);
  s.user_agent = sanitize_truncate(user_agent, kMaxUserAgentBytes);
  return mint(std::move(s));
}

std::expected<CurrentSession, Error> SessionService::authenticate(std::string_view raw_id,
                                                                  std::int64_t now) {
  const auto id_hash = hash_token(raw_id);
  if (!id_hash) return std::unexpected(unauthenticated());  // no store call for junk

  auto s = sessions_->find(*id_hash);
  if (!s) {
    if (s.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(s.error()));
  }
  if (expired(*s, now)) {
    (void)sessions_->remove(*id_hash);  // best effort; purge() catches what this misses
    return std::unexpected(unauthenticated());
  }
  auto user = users_->find_by_id(s->user_id);
  if (!user) {
    if (user.error() != store::StoreError::kNotFound) {
      return std::unexpected(from_store(user.error()));
    }
    (void)sessions_->remove(*id_hash);
    return std::unexpected(unauthenticated());
  }
  if (user->disabled) {
    (void)sessions_->remove(*id_hash);
    return std::unexpected(unauthenticated());
  }
  if (now - s->last_seen_at >= config_.touch_interval) {
    // Best effort: a missed touch can only make the idle timeout come early.
    if (sessions_->touch(*id_hash, now)) s->last_seen_at = now;
  }
  CurrentSession out;
  out.public_id = public_id(s->id_hash);
  out.session = std::move(*s);
  out.user = std::move(*user);
  return out;
}

std::expected<NewSession, Error> SessionService::rotate(const store::Session& current,
                                                        std::int64_t now,
                                                        std::optional<std::int64_t> auth_time) {
  // Remove first: if it is already gone (revoked concurrently), do not resurrect it.
  if (auto r = sessions_->remove(current.id_hash); !r) {
    if (r.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(r.error()));
  }
  store::Session next = current;
  next.last_seen_at = now;
  if (auth_time) next.auth_time = *auth_time;
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
  if (auto r = sessions_->remove(*id_hash); !r) {
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
      if (auto r = sessions_->remove(s.id_hash); !r) {
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
