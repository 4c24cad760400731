// Shared by the memory/ store implementations only.
#pragma once

#include <memory>

#include "store/credential_store.h"
#include "store/user_store.h"

namespace tessera::store::memory {

// The credential store over `users`, which it asks whether a user exists (as the SQL backends'
// foreign keys do). REQUIRES: `users` never calls back into the credential store.
std::shared_ptr<CredentialStore> make_credential_store(std::shared_ptr<UserStore> users);

}  // namespace tessera::store::memory
