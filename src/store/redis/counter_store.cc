// CounterStore on Redis: a counter is a hash {value, ends} expiring with its window, so counters
// never seen again (one per client IP) disappear by themselves. increment() is one script: a
// window that has ended starts again at 1, atomically, whoever else increments at once.
#include <limits>
#include <string>

#include "store/redis/codec.h"
#include "store/redis/internal.h"

namespace tessera::store::redis {
namespace {

class RedisCounterStore final : public CounterStore {
 public:
  explicit RedisCounterStore(std::shared_ptr<Client> client)
      : client_(std::move(client)), counters_(client_->key("counter:")) {}

  std::expected<Count, StoreError> increment(std::string_view key, std::int64_t now,
                                             std::int64_t window_seconds) override {
    std::int64_t ends = 0;
    if (__builtin_add_overflow(now, window_seconds, &ends)) {
      ends = window_seconds > 0 ? std::numeric_limits<std::int64_t>::max()
                                : std::numeric_limits<std::int64_t>::min();
    }
    auto reply = client_->eval(
        kCounterIncrement, {counters_ + std::string(key)},
        {std::to_string(now), std::to_string(ends), std::to_string(ttl_ms(window_seconds))});
    if (!reply) return std::unexpected(reply.error());
    auto pair = as_array(**reply);
    auto value = pair && pair->size() == 2 ? as_integer(*(*pair)[0]) : std::nullopt;
    auto end = pair && pair->size() == 2 ? as_string(*(*pair)[1]) : std::nullopt;
    auto window_ends = end ? parse_int(*end) : std::nullopt;
    if (!value || !window_ends) return std::unexpected(client_->corrupt(kCounterIncrement.name));
    return Count{.value = *value, .window_ends = *window_ends};
  }

  std::expected<Count, StoreError> get(std::string_view key, std::int64_t now) override {
    auto reply =
        client_->command("counters.get", {"HMGET", counters_ + std::string(key), "value", "ends"});
    if (!reply) return std::unexpected(reply.error());
    auto pair = as_array(**reply);
    if (!pair || pair->size() != 2) return std::unexpected(client_->corrupt("counters.get"));
    if (is_nil(*(*pair)[0]) && is_nil(*(*pair)[1])) return Count{};
    auto value = as_string(*(*pair)[0]);
    auto ends = as_string(*(*pair)[1]);
    auto c = value && ends ? parse_int(*value) : std::nullopt;
    auto e = value && ends ? parse_int(*ends) : std::nullopt;
    if (!c || !e) return std::unexpected(client_->corrupt("counters.get"));
    if (*e <= now) return Count{};
    return Count{.value = *c, .window_ends = *e};
  }

  std::expected<void, StoreError> reset(std::string_view key) override {
    auto reply = client_->command("counters.reset", {"DEL", counters_ + std::string(key)});
    if (!reply) return std::unexpected(reply.error());
    if (!as_integer(**reply)) return std::unexpected(client_->corrupt("counters.reset"));
    return {};
  }

 private:
  std::shared_ptr<Client> client_;
  const std::string counters_;  // "<p>counter:" + the caller's key
};

}  // namespace

std::shared_ptr<CounterStore> make_counter_store(std::shared_ptr<Client> client) {
  return std::make_shared<RedisCounterStore>(std::move(client));
}

}  // namespace tessera::store::redis
