// [server]: the listener, TLS and the limits of each connection. Every key is a member below with
// its default; config_server.cc binds each to its name and its doc (what it means, printed by
// `tessera config reference` into docs/configuration.md) and checks them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct ServerSection {
  static constexpr std::string_view kName = "server";
  static constexpr std::string_view kDoc =
      "The HTTP listener: its address, TLS, the proxies in front of it and the limits of each "
      "connection; optionally a second, operator-only listener for `/metrics` and `/admin/*`.";

  std::string listen = "127.0.0.1:8080";
  std::string admin_listen;
  std::string public_url;
  std::uint32_t threads = 0;
  std::string tls_cert;
  std::string tls_key;
  std::vector<std::string> trusted_proxies;
  std::size_t max_connections = 10'000;
  std::size_t max_connections_per_client = 256;
  std::chrono::seconds hsts_max_age = std::chrono::days{365};
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout = std::chrono::minutes{1};
  std::chrono::seconds handler_timeout{30};
  std::chrono::seconds drain_timeout{10};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
