#include "auth/consents.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "auth/scope.h"

namespace tessera::auth {

ConsentService::ConsentService(std::shared_ptr<store::ConsentStore> store,
                               RefreshFamilies& families, AuditService& audit,
                               const base::Clock& clock)
    : store_(std::move(store)), families_(families), audit_(audit), clock_(clock) {}

std::expected<bool, Error> ConsentService::covers(const store::UserId& user,
                                                  std::string_view client_id,
                                                  std::span<const std::string> scope) {
  auto found = store_->find(user, client_id);
  if (!found) {
    if (found.error() == store::StoreError::kNotFound) return false;
    return std::unexpected(from_store(found.error()));
  }
  // What the store holds was written by grant() below; a value that does not parse covers
  // nothing (the user is asked again), which is the safe reading.
  auto granted = parse_scope(found->scope);
  return granted && scope_within(scope, *granted);
}

std::expected<void, Error> ConsentService::grant(const store::UserId& user,
                                                 std::string_view client_id,
                                                 std::span<const std::string> scope,
                                                 const AuditActor& by) {
  const std::int64_t now = clock_.now_unix();
  store::Consent consent{.user_id = user,
                         .client_id = std::string(client_id),
                         .scope = {},
                         .created_at = now,
                         .updated_at = now};
  std::vector<std::string> all;
  if (auto found = store_->find(user, client_id); found) {
    if (auto granted = parse_scope(found->scope)) all = std::move(*granted);
  } else if (found.error() != store::StoreError::kNotFound) {
    return std::unexpected(from_store(found.error()));
  }
  for (const std::string& s : scope) {
    if (!has_scope(all, s)) all.push_back(s);
  }
  consent.scope = join_scope(all);
  if (auto r = store_->put(consent); !r) return std::unexpected(from_store(r.error()));
  (void)audit_.record(AuditType::kOAuthConsent, now, by,
                      nlohmann::json{{"client_id", client_id}, {"scope", join_scope(scope)}});
  return {};
}

std::expected<std::vector<store::Consent>, Error> ConsentService::list(const store::UserId& user) {
  auto all = store_->list(user);
  if (!all) return std::unexpected(from_store(all.error()));
  return std::move(*all);
}

std::expected<std::size_t, Error> ConsentService::revoke(const store::UserId& user,
                                                         std::string_view client_id,
                                                         const AuditActor& by) {
  if (auto r = store_->remove(user, client_id); !r) return std::unexpected(from_store(r.error()));
  auto live = families_.families(user);
  if (!live) return std::unexpected(live.error());
  std::size_t revoked = 0;
  for (const store::RefreshFamily& f : *live) {
    if (f.client_id != client_id) continue;
    auto r = families_.revoke_family_id(f.id, "consent_revoked");
    if (!r && r.error().code != Errc::kNotFound) return std::unexpected(r.error());
    if (r && *r) ++revoked;
  }
  (void)audit_.record(AuditType::kOAuthConsentRevoked, clock_.now_unix(), by,
                      nlohmann::json{{"client_id", client_id}, {"families_revoked", revoked}});
  return revoked;
}

}  // namespace tessera::auth
