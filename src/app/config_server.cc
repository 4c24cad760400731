#include "app/config_server.h"

#include <arpa/inet.h>

#include <utility>

#include "http/client_ip.h"
#include "http/csrf.h"
#include "http/listen_address.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

std::vector<Field> ServerSection::fields() {
  return {
      {kName, "listen", &listen,
       "The address to listen on: `ADDR:PORT`, `[IPv6]:PORT` or `localhost:PORT`; port 0 takes any "
       "free port (the server prints its URL when it listens)."},
      {kName, "admin_listen", &admin_listen,
       "An operator-only listener for `/metrics` and the admin API (`/admin/*`), in the form of "
       "`listen` (e.g. `127.0.0.1:9090`; port 0 takes any free port and the server prints "
       "\"admin listening on URL\" after its main URL). When set, those routes are served ONLY "
       "there and answer 404 on `listen`; `/healthz` and `/readyz` answer on both. It has the "
       "server's limits and TLS, on one I/O thread of its own. Empty: everything on `listen`."},
      {kName, "public_url", &public_url,
       "Where users reach this server (`https://id.example.com`, or with a path prefix "
       "`https://example.com/auth`): emailed links are built from it, never from what a request "
       "says (`Host`, `X-Forwarded-Host` and `Forwarded` are not trusted for a link). Empty: the "
       "server's own URL (one machine, no proxy)."},
      {kName, "threads", &threads, "I/O threads; 0: one per core. At most 1024."},
      {kName, "tls_cert", &tls_cert,
       "Path of a PEM certificate chain: set with `tls_key` to serve HTTPS. Empty: plain HTTP "
       "(behind a proxy that terminates TLS)."},
      {kName, "tls_key", &tls_key,
       "Path of the PEM private key of `tls_cert`; the two are set together."},
      {kName, "trusted_proxies", &trusted_proxies,
       "CIDRs of the reverse proxies in front of the server (`10.0.0.0/8`, `::1`): from their "
       "peers `X-Forwarded-For` names the client (rate limits, sessions, audit), and they are "
       "exempt from `max_connections_per_client`. Empty: the peer is always the client."},
      {kName, "max_connections", &max_connections,
       "Open connections at most; one more is accepted and closed at once. 1..1000000."},
      {kName, "max_connections_per_client", &max_connections_per_client,
       "Open connections from one client (an IPv4 address or an IPv6 /64) at most, beyond which "
       "its new connections are closed at once; `trusted_proxies` are exempt. "
       "1..`max_connections`."},
      {kName, "hsts_max_age", &hsts_max_age,
       "With TLS (`tls_cert`): the `Strict-Transport-Security` max-age; 0 tells browsers to forget "
       "it. Never sent over plain HTTP."},
      {kName, "max_header_bytes", &max_header_bytes,
       "The request line and header fields at most, in bytes; beyond it the answer is 431 and the "
       "connection closes. 1024..1048576."},
      {kName, "read_timeout", &read_timeout,
       "From a request's first byte to its last: slow senders are cut off. At least 1s."},
      {kName, "write_timeout", &write_timeout,
       "How long writing one response to a slow reader may take. At least 1s."},
      {kName, "idle_timeout", &idle_timeout,
       "Keep-alive: how long an idle connection may wait for its next request. At least 1s."},
      {kName, "handler_timeout", &handler_timeout,
       "How long an asynchronous handler (password hashing, store work) may take before the client "
       "gets 503. At least 1s."},
      {kName, "drain_timeout", &drain_timeout,
       "On SIGTERM, how long requests in flight may take before the server exits anyway."},
  };
}

std::optional<Problem> ServerSection::check() const {
  auto main_address = http::parse_listen_address(listen);
  if (!main_address) return Problem{"listen", main_address.error()};
  if (!admin_listen.empty()) {
    auto admin = http::parse_listen_address(admin_listen);
    if (!admin) return Problem{"admin_listen", admin.error()};
    // Checked here, not only at bind: a mistyped operator address fails the configuration.
    in6_addr ip{};
    if (::inet_pton(AF_INET, admin->host.c_str(), &ip) != 1 &&
        ::inet_pton(AF_INET6, admin->host.c_str(), &ip) != 1) {
      return Problem{"admin_listen", "'" + admin->host + "' is not an IP address (or localhost)"};
    }
    // Port 0 on both is two different free ports; otherwise one address cannot be both.
    if (admin->port != 0 && admin->host == main_address->host &&
        admin->port == main_address->port) {
      return Problem{"admin_listen", "must differ from server.listen"};
    }
  }
  if (!public_url.empty()) {
    if (auto origin = http::origin_of_url(public_url); !origin) {
      return Problem{"public_url", origin.error()};
    }
    if (public_url.find_first_of("?#") != std::string::npos) {
      return Problem{"public_url", "must have no query or fragment"};
    }
  }
  if (threads > 1024) return Problem{"threads", "must be 0..1024"};
  if (tls_cert.empty() != tls_key.empty()) {
    // Named after the one that is set, so the message points at where it was set.
    return tls_cert.empty() ? Problem{"tls_key", "needs server.tls_cert (they go together)"}
                            : Problem{"tls_cert", "needs server.tls_key (they go together)"};
  }
  if (auto p = http::TrustedProxies::parse(trusted_proxies); !p) {
    return Problem{"trusted_proxies", p.error()};
  }
  if (max_connections < 1 || max_connections > 1'000'000) {
    return Problem{"max_connections", "must be 1..1000000"};
  }
  if (max_connections_per_client < 1 || max_connections_per_client > max_connections) {
    return Problem{"max_connections_per_client", "must be 1..server.max_connections"};
  }
  if (max_header_bytes < 1024 || max_header_bytes > 1024 * 1024) {
    return Problem{"max_header_bytes", "must be 1024..1048576"};
  }
  for (auto [key, value] :
       {std::pair{"read_timeout", read_timeout}, std::pair{"write_timeout", write_timeout},
        std::pair{"idle_timeout", idle_timeout}, std::pair{"handler_timeout", handler_timeout}}) {
    if (value < std::chrono::seconds(1)) return Problem{key, "must be at least 1s"};
  }
  return std::nullopt;
}

}  // namespace tessera::app
