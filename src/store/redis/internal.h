// Shared by the redis/ store implementations only.
#pragma once

#include <cstdint>
#include <memory>

#include "store/change_feed.h"
#include "store/counter_store.h"
#include "store/redis/change_message.h"
#include "store/redis/client.h"
#include "store/revocation_store.h"
#include "store/session_store.h"

namespace tessera::store::redis {

std::shared_ptr<SessionStore> make_session_store(std::shared_ptr<Client> client,
                                                 std::int64_t max_lifetime_seconds);
std::shared_ptr<CounterStore> make_counter_store(std::shared_ptr<Client> client);
std::shared_ptr<RevocationStore> make_revocation_store(std::shared_ptr<Client> client,
                                                       std::int64_t not_before_keep_seconds);
std::shared_ptr<ChangeFeed> make_change_feed(std::shared_ptr<Client> client);

// Seconds to milliseconds for PEXPIRE, at least 1 ms and without overflow.
std::int64_t ttl_ms(std::int64_t seconds);

}  // namespace tessera::store::redis
