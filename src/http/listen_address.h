// The --listen flag: "ADDR:PORT" with an IPv4 literal, "[IPv6]:PORT", or "localhost:PORT".
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace tessera::http {

struct ListenAddress {
  std::string host;  // an IP literal, without brackets ("localhost" becomes "127.0.0.1")
  std::uint16_t port = 0;
};

// Splits and checks the syntax; whether the host is a valid IP is Server::create's to say.
std::expected<ListenAddress, std::string> parse_listen_address(std::string_view text);

}  // namespace tessera::http
