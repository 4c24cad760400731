#include "http/request_id.h"

#include "crypto/hash.h"

namespace tessera::http {
namespace {

constexpr std::size_t kIdBytes = 16;
constexpr std::size_t kBlockIds = 64;  // ids drawn per CSPRNG call, per thread

}  // namespace

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string new_request_id() {
  thread_local std::string block;
  thread_local std::size_t used = 0;
  if (used == block.size()) {
    block = crypto::random_bytes(kIdBytes * kBlockIds);
    used = 0;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(2 * kIdBytes, '0');
  for (std::size_t i = 0; i < kIdBytes; ++i) {
    const auto b = static_cast<unsigned char>(block[used + i]);
    id[2 * i] = kHex[b >> 4];
    id[2 * i + 1] = kHex[b & 0xf];
  }
  used += kIdBytes;
  return id;
}

std::string request_id_for(const Request& req, const TrustedProxies& proxies) {
  if (auto sent = req.headers.get("X-Request-Id");
      sent && valid_request_id(*sent) && from_trusted_proxy(req, proxies)) {
    return std::string(*sent);
  }
  return new_request_id();
}

}  // namespace tessera::http
