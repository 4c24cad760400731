#include "auth/ip_prefix.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace tessera::auth {
namespace {

void mask(unsigned char* bytes, std::size_t size, int bits) {
  for (std::size_t i = 0; i < size; ++i) {
    const int keep = bits - static_cast<int>(i) * 8;
    if (keep >= 8) continue;
    bytes[i] = keep <= 0 ? 0 : static_cast<unsigned char>(bytes[i] & (0xFF << (8 - keep)));
  }
}

}  // namespace

std::string ip_prefix(std::string_view ip, int v4_bits, int v6_bits) {
  // inet_pton needs a NUL-terminated string; addresses are short, anything long is not one.
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return std::string(ip);
  char text[INET6_ADDRSTRLEN] = {};
  std::memcpy(text, ip.data(), ip.size());

  std::array<unsigned char, 16> v6{};
  std::array<unsigned char, 4> v4{};
  bool is_v4 = inet_pton(AF_INET, text, v4.data()) == 1;
  if (!is_v4) {
    if (inet_pton(AF_INET6, text, v6.data()) != 1) return std::string(ip);
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(v6.data(), kMapped, sizeof kMapped) == 0) {
      std::memcpy(v4.data(), v6.data() + 12, 4);
      is_v4 = true;
    }
  }
  char out[INET6_ADDRSTRLEN] = {};
  if (is_v4) {
    mask(v4.data(), v4.size(), v4_bits);
    inet_ntop(AF_INET, v4.data(), out, sizeof out);
    return std::string(out) + "/" + std::to_string(v4_bits);
  }
  mask(v6.data(), v6.size(), v6_bits);
  inet_ntop(AF_INET6, v6.data(), out, sizeof out);
  return std::string(out) + "/" + std::to_string(v6_bits);
}

}  // namespace tessera::auth
