// The Redis address from StoreConfig::redis_url: redis://[[user]:password@]host[:port][/db].
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tessera::store::redis {

struct RedisUrl {
  std::string host;      // a name, an IPv4 address, or an IPv6 address without brackets
  int port = 6379;       // 1..65535
  std::string user;      // "" with a password: AUTH password (the default user)
  std::string password;  // "": no AUTH
  int db = 0;            // SELECTed when not 0
};

// Parses `url`. The user and password may be percent-encoded (%40 for '@'). Errors are
// messages for logs and never repeat the password. rediss:// (TLS) and unix sockets are not
// supported.
std::expected<RedisUrl, std::string> parse_redis_url(std::string_view url);

}  // namespace tessera::store::redis
