// [server]: the listener, TLS and the limits of each connection. Every key is a member below
// with its default and meaning; config_server.cc binds and checks them.
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

  // ADDR:PORT, [IPv6]:PORT or localhost:PORT; port 0: any free.
  std::string listen = "127.0.0.1:8080";
  // Where users reach this server ("https://id.example.com", or with a path prefix
  // "https://example.com/auth"): emailed links are built from it and from nothing a request
  // says (Host, X-Forwarded-Host and Forwarded are never trusted for a link). Empty: the
  // server's own URL (zero configuration, one machine).
  std::string public_url;
  std::uint32_t threads = 0;  // I/O threads; 0: one per core
  std::string tls_cert;       // PEM chain; with tls_key: serve HTTPS
  std::string tls_key;
  // CIDRs whose X-Forwarded-For is believed (client_ip.h).
  std::vector<std::string> trusted_proxies;
  std::size_t max_connections = 10'000;
  // Per IPv4 address / IPv6 /64; trusted_proxies exempt.
  std::size_t max_connections_per_client = 256;
  // With tls_cert: Strict-Transport-Security max-age (0: tells browsers to forget it); never
  // sent over plain HTTP.
  std::chrono::seconds hsts_max_age = std::chrono::days{365};
  std::size_t max_header_bytes = 8 * 1024;  // request line + headers (431 beyond); 1 KiB .. 1 MiB
  std::chrono::seconds read_timeout{30};    // a request's first byte to its last
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout = std::chrono::minutes{1};  // keep-alive wait for the next one
  // Async handlers (password hashing) answer within, else 503.
  std::chrono::seconds handler_timeout{30};
  std::chrono::seconds drain_timeout{10};  // SIGTERM: in-flight requests get this long

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
