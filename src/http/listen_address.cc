#include "http/listen_address.h"

#include <charconv>

namespace tessera::http {

std::expected<ListenAddress, std::string> parse_listen_address(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return std::unexpected("invalid listen address '" + std::string(text) +
                           "': " + std::string(why));
  };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("expected ADDR:PORT, e.g. 127.0.0.1:8080");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("put an IPv6 address in brackets, e.g. [::1]:8080");
  }
  if (host.empty()) return bad("the address is missing, e.g. 127.0.0.1:8080 or 0.0.0.0:8080");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  ListenAddress out;
  out.host = host == "localhost" ? "127.0.0.1" : std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

}  // namespace tessera::http
