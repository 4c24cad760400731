// What the Redis stores share: the connection pool, the key prefix, one way to run commands and
// scripts (with one error policy), and reporting failures through StoreConfig::on_error.
//
// Error policy: Redis unreachable, a timeout or an I/O error drops the connection (pool.h) and
// answers kUnavailable; an error reply answers kUnavailable too (LOADING, OOM, READONLY, NOAUTH:
// the server cannot serve us now), except WRONGTYPE and the scripts' CORRUPT, which mean a key
// holds something the stores never wrote: kCorrupt. Every failure is reported, one line, naming
// the operation and Redis's reason, never a key or a value (keys hold id hashes and emails).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/histogram.h"
#include "store/redis/connection.h"
#include "store/redis/pool.h"
#include "store/redis/scripts.h"
#include "store/redis/url.h"
#include "store/stores.h"
#include "store/types.h"

namespace tessera::store::redis {

class Client {
 public:
  Client(RedisUrl url, const StoreConfig& config);

  // config.redis_prefix + name: every key the stores use.
  std::string key(std::string_view name) const { return prefix_ + std::string(name); }
  const std::string& prefix() const { return prefix_; }
  // The change feed's channel: <prefix>changes.
  const std::string& channel() const { return channel_; }

  // Runs one command on a pooled connection.
  std::expected<Reply, StoreError> command(std::string_view what,
                                           std::initializer_list<std::string_view> args);

  // Runs `script` with its KEYS and ARGV: EVALSHA, or EVAL when the server's script cache does
  // not have it (NOSCRIPT: flushed, or a restarted Redis).
  std::expected<Reply, StoreError> eval(const Script& script,
                                        std::initializer_list<std::string_view> keys,
                                        std::initializer_list<std::string_view> args);

  // Reports an answer of `what` that does not decode as the stores wrote it; kCorrupt.
  StoreError corrupt(std::string_view what);

  // Whether Redis answers PING within the bound.
  bool ping();

  // on_error("redis: " + message), if set.
  void report(std::string_view message) const;

  const RedisUrl& url() const { return url_; }
  const std::function<void(std::string_view)>& on_error() const { return on_error_; }
  std::chrono::milliseconds timeout() const { return pool_.timeout(); }
  // The connection pool's occupancy (for metrics).
  PoolState pool_state() { return pool_.state(); }

 private:
  using Run = std::function<std::expected<Reply, std::string>(Connection&)>;
  // Leases a connection and runs `run` on it; maps failures as the policy above says.
  std::expected<Reply, StoreError> with_connection(std::string_view what, const Run& run);
  std::expected<std::string, std::string> sha_of(Connection& conn, const Script& script);

  const RedisUrl url_;
  const std::string prefix_;
  const std::string channel_;
  const std::function<void(std::string_view)> on_error_;
  // Every command and script, from the lease to the reply: StoreConfig::timer("redis",
  // "command"); null: not timed.
  base::LatencyHistogram* const latency_;
  Pool pool_;
  std::mutex sha_mu_;
  std::unordered_map<std::string_view, std::string> sha_;  // script name -> SHA1; guarded
};

}  // namespace tessera::store::redis
