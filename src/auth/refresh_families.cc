#include "auth/refresh_families.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "auth/opaque_token.h"
#include "auth/text.h"
#include "base/base64url.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxIpBytes = 64;
constexpr std::size_t kMaxUserAgentBytes = 512;
// Key derivation label of the successor a legacy token was sealed with (reuse()).
constexpr std::string_view kSealLabel = "tessera refresh successor v1";

Error unauthenticated() { return make_error(Errc::kUnauthenticated); }

// `key`, first made a random one for this process if it is empty.
const std::string& key_or_random(std::string& key) {
  if (key.empty()) key = crypto::random_bytes(kRefreshKeyBytes);
  return key;
}

std::string hash_text(const store::TokenHash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace

RefreshFamilies::RefreshFamilies(std::shared_ptr<store::RefreshStore> refresh,
                                 std::shared_ptr<store::UserStore> users, AccessTokens& access,
                                 RevocationService& revocation, AuditService& audit,
                                 const base::Clock& clock, RefreshFamilyConfig config)
    : refresh_(std::move(refresh)),
      users_(std::move(users)),
      access_(access),
      revocation_(revocation),
      audit_(audit),
      clock_(clock),
      config_(std::move(config)),
      format_(key_or_random(config_.key)) {}

namespace {

// The user a rotation read (store::Rotation::user_read), as UserStore::find_by_id answers.
std::expected<store::User, store::StoreError> user_read_by(store::Rotation& r) {
  if (!r.user) return std::unexpected(store::StoreError::kNotFound);
  return std::move(*r.user);
}

// The family id a sid names, or nullopt if it is not one of ours.
std::optional<store::FamilyId> family_id_of(std::string_view sid) {
  auto raw = base::base64url_decode(sid);
  if (!raw || raw->size() != store::FamilyId{}.size()) return std::nullopt;
  store::FamilyId id{};
  std::memcpy(id.data(), raw->data(), id.size());
  return id;
}

}  // namespace

std::string RefreshFamilies::sid_of(const store::FamilyId& id) {
  return base::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(id.data()), id.size()));
}

std::expected<TokenPair, Error> RefreshFamilies::pair_for(const store::RefreshFamily& family,
                                                          const store::User& user,
                                                          std::string refresh_token,
                                                          std::int64_t issued_ms,
                                                          std::string_view scope) {
  const std::string sid = sid_of(family.id);
  const TokenGrant grant{.client_id = family.client_id,
                         .scope = family.client_id.empty() ? std::string() : std::string(scope)};
  // The methods as the store keeps them; text that does not parse was not written by us.
  auto amr = Amr::parse(family.amr);
  if (!amr) return std::unexpected(from_store(store::StoreError::kCorrupt));
  auto access = access_.issue(user, sid, family.auth_time, *amr, issued_ms, grant);
  if (!access) return std::unexpected(access.error());
  return TokenPair{.access = std::move(*access),
                   .refresh_token = std::move(refresh_token),
                   .refresh_expires_at = family.created_at + config_.absolute_lifetime,
                   .family = family,
                   .sid = sid};
}

std::expected<TokenPair, Error> RefreshFamilies::start(const store::User& user, std::string_view ip,
                                                       std::string_view user_agent,
                                                       const FamilyGrant& grant) {
  // Taken before the family exists: see revoke_user() for why. Strictly after the user's
  // not-before: a login in the same millisecond as a logout everywhere (or right after this
  // process's own password change) must not get a token born revoked.
  const std::int64_t issued_ms = std::max(clock_.now_ms(), revocation_.not_before_ms(user.id) + 1);
  const std::int64_t now = issued_ms / 1000;
  store::RefreshFamily family;
  const std::string id = crypto::random_bytes(family.id.size());
  std::memcpy(family.id.data(), id.data(), family.id.size());
  family.user_id = user.id;
  family.created_at = now;
  family.generation = 1;
  family.last_used_at = now;
  family.auth_time = grant.client_id.empty() && grant.auth_time == 0 ? now : grant.auth_time;
  family.amr = grant.amr.text();
  family.client_id = grant.client_id;
  family.scope = grant.scope;
  family.password_changed_at = user.password_changed_at;
  family.ip = sanitize_truncate(ip, kMaxIpBytes);
  family.user_agent = sanitize_truncate(user_agent, kMaxUserAgentBytes);
  if (auto r = refresh_->create(family); !r) return std::unexpected(from_store(r.error()));
  return pair_for(family, user, format_.make(family.id, family.generation), issued_ms,
                  family.scope);
}

std::expected<TokenPair, Error> RefreshFamilies::fail(RefreshFailure why, RefreshReport* report) {
  last_failure_.store(why);
  if (report != nullptr)
    *report = RefreshReport{.outcome = RefreshOutcome::kRefused, .failure = why};
  return std::unexpected(unauthenticated());
}

std::expected<TokenPair, Error> RefreshFamilies::refresh(std::string_view raw, std::string_view ip,
                                                         std::string_view user_agent,
                                                         const RefreshPresenter& as,
                                                         RefreshReport* report) {
  RefreshReport local;
  return refresh_reported(raw, ip, user_agent, as, report != nullptr ? *report : local);
}

std::expected<TokenPair, Error> RefreshFamilies::refresh_reported(std::string_view raw,
                                                                  std::string_view ip,
                                                                  std::string_view user_agent,
                                                                  const RefreshPresenter& as,
                                                                  RefreshReport& report) {
  report = RefreshReport{};  // kUnavailable until decided
  // The access token's issue time is taken BEFORE the rotation: see revoke_user().
  const std::int64_t issued_ms = clock_.now_ms();
  const std::int64_t now = issued_ms / 1000;
  RefreshFailure why = RefreshFailure::kMalformed;
  auto token = presented(raw, why);  // junk and forgeries end here, before any store call
  if (!token) {
    if (token.error().code != Errc::kUnauthenticated) return std::unexpected(token.error());
    return fail(why, &report);
  }
  const store::LegacyTokenInFamily* legacy = token->legacy ? &*token->legacy : nullptr;

  // Rotate first, decide after: the rotation is the one store call that must be atomic, and it
  // returns the family, which is all the checks below need. A family that turns out expired,
  // or whose user may no longer have tokens, is revoked at once, so the generation just
  // reached can never be used; the caller gets no token either way. (One store round trip
  // less than reading first, which matters when the store is across a network.) A legacy
  // token used before generations is past its family whatever the family's generation: it is
  // not rotated, only judged.
  std::expected<store::Rotation, store::StoreError> rotated =
      std::unexpected(store::StoreError::kNotFound);
  if (legacy && legacy->token.used_at != 0) {
    rotated = store::Rotation{.outcome = legacy->family.revoked_at != 0
                                             ? store::RotateOutcome::kFamilyRevoked
                                             : store::RotateOutcome::kAlreadyUsed,
                              .family = legacy->family,
                              .previous_use = legacy->family.last_used_at};
  } else {
    rotated = refresh_->rotate(token->family, token->generation, now);
  }
  if (!rotated) {
    if (rotated.error() == store::StoreError::kNotFound)
      return fail(RefreshFailure::kUnknown, &report);
    return std::unexpected(from_store(rotated.error()));
  }
  switch (rotated->outcome) {
    case store::RotateOutcome::kFamilyRevoked:
      return fail(RefreshFailure::kFamilyRevoked, &report);
    case store::RotateOutcome::kNotIssued:
      return fail(RefreshFailure::kNotIssued,
                  &report);  // nothing to revoke: no one reused anything
    case store::RotateOutcome::kRotated:
    case store::RotateOutcome::kAlreadyUsed:
      break;
  }
  const store::RefreshFamily& family = rotated->family;
  // Bound to its client (RFC 6749 section 6: "validate the refresh token ... was issued to the
  // authenticated client"). Presented by another, the token has leaked: the family dies with its
  // access tokens, as on reuse, and neither presenter gets anything.
  if (family.client_id != as.client_id) {
    auto revoked = revoke_family_id(family.id, "wrong_client");
    if (!revoked) return std::unexpected(revoked.error());
    (void)audit_.record(
        AuditType::kRefreshReuse, now,
        AuditActor{
            .user = family.user_id, .ip = std::string(ip), .user_agent = std::string(user_agent)},
        nlohmann::json{{"family", sid_of(family.id)},
                       {"client_id", family.client_id},
                       {"presented_by", as.client_id},
                       {"reason", "refresh token presented by another client"}});
    return fail(RefreshFailure::kWrongClient, &report);
  }
  const std::string_view access_scope = as.scope ? std::string_view(*as.scope) : family.scope;
  // Lifetimes. The idle one runs from the family's use before this call.
  if (now >= family.created_at + config_.absolute_lifetime ||
      now >= rotated->previous_use + config_.idle_timeout) {
    (void)refresh_->revoke_family(family.id, "expired", now);
    return fail(RefreshFailure::kExpired, &report);
  }
  // The user must still be allowed tokens: present, enabled, same password as at login. Read
  // by the rotation itself where the store could (store/refresh_store.h), else here.
  auto user = rotated->user_read ? user_read_by(*rotated) : users_->find_by_id(family.user_id);
  if (!user && user.error() != store::StoreError::kNotFound) {
    return std::unexpected(from_store(user.error()));
  }
  if (!user || user->disabled) {
    (void)refresh_->revoke_family(family.id, "user_disabled", now);
    return fail(RefreshFailure::kUserGone, &report);
  }
  if (user->password_changed_at != family.password_changed_at) {
    (void)refresh_->revoke_family(family.id, "password_changed", now);
    return fail(RefreshFailure::kPasswordChanged, &report);
  }
  if (rotated->outcome == store::RotateOutcome::kRotated) {
    auto pair = pair_for(family, *user, format_.make(family.id, family.generation), issued_ms,
                         access_scope);
    if (pair) report.outcome = RefreshOutcome::kRotated;
    return pair;
  }
  // Past this generation: another tab a moment ago (the grace window), or reuse.
  return reuse(
      family, token->generation, legacy && legacy->token.used_at != 0 ? legacy : nullptr, raw,
      *user, now, issued_ms, access_scope,
      AuditActor{
          .user = family.user_id, .ip = std::string(ip), .user_agent = std::string(user_agent)},
      report);
}

std::expected<TokenPair, Error> RefreshFamilies::reuse(
    const store::RefreshFamily& family, std::int64_t generation,
    const store::LegacyTokenInFamily* legacy, std::string_view raw_presented,
    const store::User& user, std::int64_t now, std::int64_t issued_ms, std::string_view scope,
    const AuditActor& presenter, RefreshReport& report) {
  if (config_.reuse_grace > 0) {
    if (legacy == nullptr && generation == family.generation - 1 &&
        now - family.last_used_at <= config_.reuse_grace) {
      // Two tabs refreshing at once: the same successor again (the token of the generation
      // this one was rotated into, which is still current), never a new branch.
      auto pair =
          pair_for(family, user, format_.make(family.id, family.generation), issued_ms, scope);
      if (pair) report.outcome = RefreshOutcome::kGrace;
      return pair;
    }
    if (legacy != nullptr && family.generation == 0 &&
        now - legacy->token.used_at <= config_.reuse_grace &&
        !legacy->token.successor_sealed.empty()) {
      // The same for a legacy token rotated just before the upgrade into the family's still
      // current legacy token, which was sealed under the presented one.
      auto successor = crypto::open(crypto::derive_key(raw_presented, kSealLabel),
                                    legacy->token.successor_sealed, hash_text(legacy->token.hash));
      if (successor && token_hash_of(*successor) == legacy->token.successor) {
        auto pair = pair_for(family, user, std::move(*successor), issued_ms, scope);
        if (pair) report.outcome = RefreshOutcome::kGrace;
        return pair;
      }
    }
  }
  // Reuse: whoever holds this token is not the one who rotated it last (or is, but too late
  // to tell apart). The whole family dies.
  if (auto revoked = revoke_family_id(family.id, "reuse"); !revoked) {
    return std::unexpected(revoked.error());
  }
  (void)audit_.record(AuditType::kRefreshReuse, now, presenter,
                      nlohmann::json{{"family", sid_of(family.id)},
                                     {"generation", generation},
                                     {"current_generation", family.generation},
                                     {"last_rotated_at", family.last_used_at},
                                     {"reason", "rotated token presented again"}});
  return fail(RefreshFailure::kReuse, &report);
}

std::expected<void, Error> RefreshFamilies::logout(const AccessPrincipal& principal) {
  if (auto r = access_.revoke(principal); !r) return std::unexpected(r.error());
  if (auto id = family_id_of(principal.sid)) {
    auto r = refresh_->revoke_family(*id, "logout", clock_.now_unix());
    if (!r && r.error() != store::StoreError::kNotFound) {
      return std::unexpected(from_store(r.error()));
    }
    if (auto d = access_.revoke_family(principal.sid); !d) return std::unexpected(d.error());
  }
  return {};
}

std::expected<RefreshFamilies::Presented, Error> RefreshFamilies::presented(std::string_view raw,
                                                                            RefreshFailure& why) {
  if (raw.size() == kRefreshTokenChars) {
    auto claims = format_.parse(raw);
    if (!claims) {
      why = base::base64url_decode(raw) ? RefreshFailure::kForged : RefreshFailure::kMalformed;
      return std::unexpected(unauthenticated());
    }
    return Presented{.family = claims->family, .generation = claims->generation};
  }
  const auto h = hash_opaque_token(raw);  // a legacy token, or nothing
  if (!h) {
    why = RefreshFailure::kMalformed;
    return std::unexpected(unauthenticated());
  }
  auto found = refresh_->find_legacy(*h);
  if (!found) {
    if (found.error() != store::StoreError::kNotFound) {
      return std::unexpected(from_store(found.error()));
    }
    why = RefreshFailure::kUnknown;
    return std::unexpected(unauthenticated());
  }
  // An unused legacy token is its family's generation 0 (store/refresh_store.h).
  return Presented{.family = found->family.id, .generation = 0, .legacy = std::move(*found)};
}

std::expected<void, Error> RefreshFamilies::logout_refresh(std::string_view raw) {
  RefreshFailure why = RefreshFailure::kMalformed;
  auto token = presented(raw, why);
  if (!token) return std::unexpected(std::move(token.error()));
  auto r = refresh_->revoke_family(token->family, "logout", clock_.now_unix());
  if (!r) {
    if (r.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(r.error()));
  }
  return access_.revoke_family(sid_of(token->family));
}

std::expected<std::size_t, Error> RefreshFamilies::revoke_user(const store::UserId& user,
                                                               std::string_view reason) {
  // Families first, then the not-before. A refresh or login racing with this either finds
  // its family revoked, or rotated/created it before the revocation - and then took its access
  // token's issue time even earlier (refresh(), start()), so the not-before set below, later
  // than both, rejects that token too. The other order would let a token minted between the
  // two steps live until it expires.
  auto n = refresh_->revoke_user(user, reason, clock_.now_unix());
  if (!n) return std::unexpected(from_store(n.error()));
  if (auto r = revocation_.revoke_user(user); !r) return std::unexpected(r.error());
  return *n;
}

std::expected<std::vector<store::RefreshFamily>, Error> RefreshFamilies::families(
    const store::UserId& user) {
  auto all = refresh_->list(user);
  if (!all) return std::unexpected(from_store(all.error()));
  const std::int64_t now = clock_.now_unix();
  std::erase_if(*all, [&](const store::RefreshFamily& f) {
    return now >= f.created_at + config_.absolute_lifetime ||
           now >= f.last_used_at + config_.idle_timeout;
  });
  return std::move(*all);
}

std::expected<store::RefreshFamily, Error> RefreshFamilies::revoke_family(const store::UserId& user,
                                                                          std::string_view sid,
                                                                          std::string_view reason) {
  auto live = families(user);
  if (!live) return std::unexpected(live.error());
  const auto id = family_id_of(sid);
  if (!id) return std::unexpected(make_error(Errc::kNotFound));
  for (store::RefreshFamily& f : *live) {
    if (f.id != *id) continue;
    auto r = refresh_->revoke_family(f.id, reason, clock_.now_unix());
    if (!r && r.error() != store::StoreError::kNotFound) {
      return std::unexpected(from_store(r.error()));
    }
    if (auto d = access_.revoke_family(sid); !d) return std::unexpected(d.error());
    return std::move(f);
  }
  return std::unexpected(make_error(Errc::kNotFound));
}

std::expected<std::string, Error> RefreshFamilies::sid_of_refresh(std::string_view raw) {
  RefreshFailure why = RefreshFailure::kMalformed;
  auto token = presented(raw, why);
  if (!token) return std::unexpected(std::move(token.error()));
  return sid_of(token->family);
}

std::expected<store::RefreshFamily, Error> RefreshFamilies::family_of(std::string_view raw) {
  RefreshFailure why = RefreshFailure::kMalformed;
  auto token = presented(raw, why);
  if (!token) return std::unexpected(std::move(token.error()));
  return family_named(*token);
}

std::expected<store::RefreshFamily, Error> RefreshFamilies::family_named(const Presented& token) {
  if (token.legacy) return token.legacy->family;
  auto family = refresh_->find(token.family);
  if (!family) {
    if (family.error() == store::StoreError::kNotFound) return std::unexpected(unauthenticated());
    return std::unexpected(from_store(family.error()));
  }
  return std::move(*family);
}

std::expected<store::RefreshFamily, Error> RefreshFamilies::live_family_of(std::string_view raw) {
  RefreshFailure why = RefreshFailure::kMalformed;
  auto token = presented(raw, why);
  if (!token) return std::unexpected(std::move(token.error()));
  auto family = family_named(*token);
  if (!family) return family;
  const std::int64_t now = clock_.now_unix();
  const bool current = token->legacy ? token->legacy->token.used_at == 0 && family->generation == 0
                                     : token->generation == family->generation;
  if (!current || family->revoked_at != 0 ||
      now >= family->created_at + config_.absolute_lifetime ||
      now >= family->last_used_at + config_.idle_timeout) {
    return std::unexpected(unauthenticated());
  }
  return family;
}

std::expected<bool, Error> RefreshFamilies::revoke_family_id(const store::FamilyId& id,
                                                             std::string_view reason) {
  auto revoked = refresh_->revoke_family(id, reason, clock_.now_unix());
  if (!revoked) return std::unexpected(from_store(revoked.error()));
  // Its holder may also have the family's latest access token: it dies with the family.
  if (auto d = access_.revoke_family(sid_of(id)); !d) return std::unexpected(d.error());
  return *revoked;
}

std::expected<std::size_t, Error> RefreshFamilies::purge() {
  const std::int64_t now = clock_.now_unix();
  auto n = refresh_->purge(now - config_.absolute_lifetime, now - config_.idle_timeout,
                           now - config_.keep_revoked);
  if (!n) return std::unexpected(from_store(n.error()));
  return *n;
}

}  // namespace tessera::auth
