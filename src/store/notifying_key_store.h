// A KeyStore that tells every process on the stores (ChangeFeed kKeys) after each successful
// replace(), so a rotation made on one node - or by the CLI - shows in every node's JWKS and
// signing key at once rather than at its next poll. stores.cc wraps every backend's KeyStore
// in it; with the in-process feed it only informs this process, which already knows.
#pragma once

#include <memory>

#include "store/change_feed.h"
#include "store/key_store.h"

namespace tessera::store {

std::shared_ptr<KeyStore> notifying_key_store(std::shared_ptr<KeyStore> inner,
                                              std::shared_ptr<ChangeFeed> feed);

}  // namespace tessera::store
