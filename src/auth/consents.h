// What each user has allowed each OAuth client (OIDC Core 1.0 section 3.1.2.4; stored by
// store::ConsentStore). /oauth2/authorize shows the consent page only for scopes not granted
// yet, and remembers what the user allows; the account page lists the grants as "connected
// apps" and revokes them. Revoking a grant also ends every refresh family the client holds for
// the user, with their access tokens: "disconnect this app" means its tokens stop working now,
// not at their expiry.
//
// Every change is audited (oauth.consent, oauth.consent_revoked). Thread-safe. REQUIRES: every
// referenced service outlives this object.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/errors.h"
#include "auth/refresh_families.h"
#include "base/clock.h"
#include "store/consent_store.h"

namespace tessera::auth {

class ConsentService {
 public:
  ConsentService(std::shared_ptr<store::ConsentStore> store, RefreshFamilies& families,
                 AuditService& audit, const base::Clock& clock);

  // Whether the user has already allowed the client every scope in `scope`. kUnavailable.
  std::expected<bool, Error> covers(const store::UserId& user, std::string_view client_id,
                                    std::span<const std::string> scope);

  // Remembers that the user allows the client `scope`, on top of what it had. kNotFound if
  // the client is gone; kUnavailable.
  std::expected<void, Error> grant(const store::UserId& user, std::string_view client_id,
                                   std::span<const std::string> scope, const AuditActor& by);

  // The user's grants, oldest first. kUnavailable.
  std::expected<std::vector<store::Consent>, Error> list(const store::UserId& user);

  // Forgets the grant and ends the client's families for the user. Returns how many families
  // were revoked. kNotFound if there is no grant; kUnavailable.
  std::expected<std::size_t, Error> revoke(const store::UserId& user, std::string_view client_id,
                                           const AuditActor& by);

 private:
  std::shared_ptr<store::ConsentStore> store_;
  RefreshFamilies& families_;
  AuditService& audit_;
  const base::Clock& clock_;
};

}  // namespace tessera::auth
