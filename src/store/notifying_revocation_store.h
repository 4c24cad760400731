// A RevocationStore that tells this process's change feed (ChangeFeed kRevocation) after each
// successful deny() and raised not-before, so the process follows its own revocation log at once
// (RevocationService::poll, and with it the revocation feed to services) instead of at its next
// tick. stores.cc wraps the backends whose stores do not announce revocations themselves
// (memory, SQLite, PostgreSQL without the Redis cache, whose scripts publish on their own).
#pragma once

#include <memory>

#include "store/change_feed.h"
#include "store/revocation_store.h"

namespace tessera::store {

std::shared_ptr<RevocationStore> notifying_revocation_store(std::shared_ptr<RevocationStore> inner,
                                                            std::shared_ptr<ChangeFeed> feed);

}  // namespace tessera::store
