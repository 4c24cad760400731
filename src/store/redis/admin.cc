#include "store/redis/admin.h"

#include <chrono>
#include <functional>

#include "store/redis/codec.h"
#include "store/redis/connection.h"
#include "store/redis/url.h"

namespace tessera::store::redis {
namespace {

// The prefix as a SCAN pattern matching only itself, then anything.
std::string pattern_of(std::string_view prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('*');
  return out;
}

// Calls `visit(conn, key)` for every key under the prefix.
std::expected<void, std::string> scan(
    const StoreConfig& config,
    const std::function<std::expected<void, std::string>(Connection&, std::string_view)>& visit) {
  if (config.redis_prefix.empty()) return std::unexpected("refusing to scan an empty prefix");
  auto url = parse_redis_url(config.redis_url);
  if (!url) return std::unexpected(url.error());
  auto conn = Connection::open(*url, std::chrono::milliseconds(config.network_timeout_ms));
  if (!conn) return std::unexpected(conn.error());
  const std::string pattern = pattern_of(config.redis_prefix);
  std::string cursor = "0";
  do {
    auto reply = (*conn)->command({"SCAN", cursor, "MATCH", pattern, "COUNT", "500"});
    if (!reply) return std::unexpected(reply.error());
    auto parts = as_array(**reply);
    auto next = parts && parts->size() == 2 ? as_string(*(*parts)[0]) : std::nullopt;
    auto keys = parts && parts->size() == 2 ? as_array(*(*parts)[1]) : std::nullopt;
    if (!next || !keys || !parse_int(*next)) return std::unexpected("SCAN: unexpected reply");
    cursor = std::string(*next);
    for (const redisReply* k : *keys) {
      auto key = as_string(*k);
      if (!key) return std::unexpected("SCAN: unexpected reply");
      if (auto done = visit(**conn, *key); !done) return done;
    }
  } while (cursor != "0");
  return {};
}

std::expected<std::int64_t, std::string> integer_command(
    Connection& conn, std::initializer_list<std::string_view> args) {
  auto reply = conn.command(args);
  if (!reply) return std::unexpected(reply.error());
  auto n = as_integer(**reply);
  if (!n) return std::unexpected(std::string(*args.begin()) + ": unexpected reply");
  return *n;
}

}  // namespace

std::expected<std::vector<KeyTtl>, std::string> list_keys(const StoreConfig& config) {
  std::vector<KeyTtl> out;
  auto done =
      scan(config, [&](Connection& conn, std::string_view key) -> std::expected<void, std::string> {
        auto ttl = integer_command(conn, {"PTTL", key});
        if (!ttl) return std::unexpected(ttl.error());
        if (*ttl != -2) out.push_back({.key = std::string(key), .ttl_ms = *ttl});
        return {};
      });
  if (!done) return std::unexpected(done.error());
  return out;
}

std::expected<std::size_t, std::string> delete_keys(const StoreConfig& config) {
  std::size_t deleted = 0;
  auto done =
      scan(config, [&](Connection& conn, std::string_view key) -> std::expected<void, std::string> {
        auto n = integer_command(conn, {"DEL", key});
        if (!n) return std::unexpected(n.error());
        deleted += static_cast<std::size_t>(*n);
        return {};
      });
  if (!done) return std::unexpected(done.error());
  return deleted;
}

}  // namespace tessera::store::redis
