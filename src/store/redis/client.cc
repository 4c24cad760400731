#include "store/redis/client.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace tessera::store::redis {
namespace {

StoreError classify(std::string_view error_reply) {
  for (std::string_view corrupt :
       {"WRONGTYPE", "CORRUPT", "ERR hash value is not an integer", "ERR value is not an"}) {
    if (error_reply.starts_with(corrupt)) return StoreError::kCorrupt;
  }
  return StoreError::kUnavailable;
}

}  // namespace

Client::Client(RedisUrl url, const StoreConfig& config)
    : url_(std::move(url)),
      prefix_(config.redis_prefix),
      channel_(config.redis_prefix + "changes"),
      on_error_(config.on_error),
      latency_(config.timer ? config.timer("redis", "command") : nullptr),
      pool_(url_, config.redis_pool,
            std::chrono::milliseconds(config.network_timeout_ms > 0 ? config.network_timeout_ms
                                                                    : 1)) {}

void Client::report(std::string_view message) const {
  if (on_error_) on_error_("redis: " + std::string(message));
}

StoreError Client::corrupt(std::string_view what) {
  report(std::string(what) + ": unexpected reply");
  return StoreError::kCorrupt;
}

std::expected<Reply, StoreError> Client::with_connection(std::string_view what, const Run& run) {
  base::ScopedLatency timed(latency_);
  auto lease = pool_.acquire();
  if (!lease) {
    report(std::string(what) + ": " + lease.error());
    return std::unexpected(StoreError::kUnavailable);
  }
  auto reply = run(**lease);
  if (!reply) {  // the lease drops the broken connection
    report(std::string(what) + ": " + reply.error());
    return std::unexpected(StoreError::kUnavailable);
  }
  if (auto error = as_error(**reply)) {
    report(std::string(what) + ": " + first_line(*error));
    return std::unexpected(classify(*error));
  }
  return std::move(*reply);
}

std::expected<Reply, StoreError> Client::command(std::string_view what,
                                                 std::initializer_list<std::string_view> args) {
  return with_connection(what, [&](Connection& conn) { return conn.command(args); });
}

std::expected<std::string, std::string> Client::sha_of(Connection& conn, const Script& script) {
  {
    std::lock_guard lock(sha_mu_);
    if (auto it = sha_.find(script.name); it != sha_.end()) return it->second;
  }
  auto reply = conn.command({"SCRIPT", "LOAD", script.lua});
  if (!reply) return std::unexpected(reply.error());
  auto sha = as_string(**reply);
  if (!sha) {
    auto error = as_error(**reply);
    return std::unexpected("SCRIPT LOAD: " + (error ? first_line(*error) : "unexpected reply"));
  }
  std::lock_guard lock(sha_mu_);
  return sha_.insert_or_assign(script.name, std::string(*sha)).first->second;
}

std::expected<Reply, StoreError> Client::eval(const Script& script,
                                              std::initializer_list<std::string_view> keys,
                                              std::initializer_list<std::string_view> args) {
  return with_connection(script.name, [&](Connection& conn) -> std::expected<Reply, std::string> {
    auto sha = sha_of(conn, script);
    if (!sha) return std::unexpected(sha.error());
    const std::string numkeys = std::to_string(keys.size());
    std::vector<std::string_view> argv = {"EVALSHA", *sha, numkeys};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    auto reply = conn.command(argv);
    if (!reply) return reply;
    if (auto error = as_error(**reply); error && error->starts_with("NOSCRIPT")) {
      argv[0] = "EVAL";
      argv[1] = script.lua;  // runs it and puts it back in the server's cache
      return conn.command(argv);
    }
    return reply;
  });
}

bool Client::ping() {
  auto reply = command("ping", {"PING"});
  return reply && as_status(**reply) == std::optional<std::string_view>("PONG");
}

}  // namespace tessera::store::redis
