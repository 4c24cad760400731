// Shared by the memory/ store implementations only.
#pragma once

#include <functional>
#include <memory>

#include "store/account_token_store.h"
#include "store/credential_store.h"
#include "store/federated_identity_store.h"
#include "store/outbox_store.h"
#include "store/user_store.h"

namespace tessera::store::memory {

// The credential store over `users`, which it asks whether a user exists (as the SQL backends'
// foreign keys do). REQUIRES: `users` never calls back into the credential store.
std::shared_ptr<CredentialStore> make_credential_store(std::shared_ptr<UserStore> users);
// UserStore::remove's cascade on `store` (made by make_credential_store): the user's rows go.
void forget_credentials(CredentialStore& store, const UserId& user);

// The outbox and the account tokens over `users` (lifecycle_stores.cc): one object behind both
// interfaces. REQUIRES: `users` never calls back into them.
struct LifecycleStores {
  std::shared_ptr<OutboxStore> outbox;
  std::shared_ptr<AccountTokenStore> account_tokens;
  // UserStore::remove's cascade: the user's mails and tokens go (holds a weak reference).
  std::function<void(const UserId&)> forget;
};
LifecycleStores make_lifecycle_stores(std::shared_ptr<UserStore> users);

// The federated identities over `users` (federated_identity_store.cc), and UserStore::remove's
// cascade on them (holds a weak reference). REQUIRES: `users` never calls back into it.
struct FederatedIdentities {
  std::shared_ptr<FederatedIdentityStore> store;
  std::function<void(const UserId&)> forget;
};
FederatedIdentities make_federated_identity_store(std::shared_ptr<UserStore> users);

}  // namespace tessera::store::memory
