#include "store/redis/redis_stores.h"

#include <algorithm>
#include <limits>

#include "store/redis/internal.h"
#include "store/redis/url.h"

namespace tessera::store::redis {

std::int64_t ttl_ms(std::int64_t seconds) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 1000 / 2;
  if (seconds <= 0) return 1;
  return std::min(seconds, kMax) * 1000;
}

std::expected<Cache, std::string> open_cache(const StoreConfig& config) {
  auto url = parse_redis_url(config.redis_url);
  if (!url) return std::unexpected(url.error());
  if (config.session_max_lifetime_seconds <= 0 || config.not_before_keep_seconds <= 0) {
    return std::unexpected(
        "session_max_lifetime_seconds and not_before_keep_seconds must be positive");
  }
  auto client = std::make_shared<Client>(std::move(*url), config);
  return Cache{
      .sessions = make_session_store(client, config.session_max_lifetime_seconds),
      .counters = make_counter_store(client),
      .revocations = make_revocation_store(client, config.not_before_keep_seconds),
      .changes = make_change_feed(client),
      .ready = [client] { return client->ping(); },
      .pool = {.backend = "redis", .state = [client] { return client->pool_state(); }},
  };
}

}  // namespace tessera::store::redis
