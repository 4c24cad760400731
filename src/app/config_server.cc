#include "app/config_server.h"

#include <utility>

#include "http/client_ip.h"
#include "http/csrf.h"
#include "http/listen_address.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

std::vector<Field> ServerSection::fields() {
  return {
      {kName, "listen", &listen},
      {kName, "public_url", &public_url},
      {kName, "threads", &threads},
      {kName, "tls_cert", &tls_cert},
      {kName, "tls_key", &tls_key},
      {kName, "trusted_proxies", &trusted_proxies},
      {kName, "max_connections", &max_connections},
      {kName, "max_connections_per_client", &max_connections_per_client},
      {kName, "hsts_max_age", &hsts_max_age},
      {kName, "max_header_bytes", &max_header_bytes},
      {kName, "read_timeout", &read_timeout},
      {kName, "write_timeout", &write_timeout},
      {kName, "idle_timeout", &idle_timeout},
      {kName, "handler_timeout", &handler_timeout},
      {kName, "drain_timeout", &drain_timeout},
  };
}

std::optional<Problem> ServerSection::check() const {
  if (auto l = http::parse_listen_address(listen); !l) return Problem{"listen", l.error()};
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
