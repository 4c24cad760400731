#include "http/client_ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace tessera::http {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

using Bytes = std::array<std::uint8_t, 16>;

// `b` with every bit after the first `bits` (IPv6 terms) cleared.
Bytes masked(Bytes b, unsigned bits) {
  for (unsigned i = 0; i < 16; ++i) {
    unsigned first_bit = i * 8;
    if (first_bit >= bits) {
      b[i] = 0;
    } else if (first_bit + 8 > bits) {
      b[i] = static_cast<std::uint8_t>(b[i] & (0xFF << (8 - (bits - first_bit))));
    }
  }
  return b;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  std::string copy(text);
  IpAddress a;
  if (copy.find(':') == std::string::npos) {
    // inet_pton(AF_INET) takes exactly the dotted quad (no octal, no short forms).
    in_addr v4{};
    if (::inet_pton(AF_INET, copy.c_str(), &v4) != 1) return std::nullopt;
    std::memcpy(a.bytes_.data(), kMappedPrefix.data(), kMappedPrefix.size());
    std::memcpy(a.bytes_.data() + 12, &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, copy.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes_.data(), &v6, 16);
  return a;
}

bool IpAddress::is_v4() const {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes_.begin());
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    ::inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  return buf;
}

IpAddress IpAddress::prefix(unsigned bits) const {
  IpAddress out;
  out.bytes_ = masked(bytes_, is_v4() ? 96 + std::min(bits, 32u) : std::min(bits, 128u));
  return out;
}

std::expected<TrustedProxies, std::string> TrustedProxies::parse(
    const std::vector<std::string>& cidrs) {
  TrustedProxies out;
  for (const std::string& entry : cidrs) {
    auto bad = [&](std::string_view why) {
      return std::unexpected("trusted proxy \"" + entry + "\": " + std::string(why));
    };
    std::string_view text = entry;
    std::size_t slash = text.find('/');
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return bad("not an IPv4 or IPv6 address or CIDR");
    unsigned max = address->is_v4() ? 32 : 128;
    unsigned bits = max;
    if (slash != std::string_view::npos) {
      std::string_view len = text.substr(slash + 1);
      auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
      if (len.empty() || len.size() > 3 || ec != std::errc() || p != len.data() + len.size() ||
          bits > max) {
        return bad("prefix length must be 0.." + std::to_string(max));
      }
    }
    if (address->prefix(bits) != *address) return bad("address has bits set beyond the prefix");
    out.ranges_.push_back(Range{*address, address->is_v4() ? 96 + bits : bits});
  }
  return out;
}

bool TrustedProxies::contains(const IpAddress& address) const {
  for (const Range& r : ranges_) {
    // In IPv6 terms: an IPv4 range (the mapped prefix plus its own bits) never matches a real
    // IPv6 address.
    if (masked(address.bytes(), r.bits) == r.network.bytes()) return true;
  }
  return false;
}

std::string unparseable_client_key(std::string_view element) {
  constexpr std::string_view kPrefix = "unparseable:";
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char c : element) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u <= 0x7D && c != '%' && c != '"' && c != '\\') {
      encoded.push_back(c);
    } else {
      encoded += {'%', kHex[u >> 4], kHex[u & 0xF]};
    }
  }
  if (kPrefix.size() + encoded.size() <= kMaxClientKeyBytes) return std::string(kPrefix) + encoded;
  // FNV-1a: not a secret or a defence, only a stable way to keep long elements apart (on every
  // node and across restarts, as the rate-limit counters may be shared).
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : element) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  std::string tail = "~";
  for (int shift = 60; shift >= 0; shift -= 4) tail.push_back(kHex[(hash >> shift) & 0xF]);
  std::size_t keep = kMaxClientKeyBytes - kPrefix.size() - tail.size();
  // Never cut a %XX in two.
  if (encoded[keep - 1] == '%') {
    keep -= 1;
  } else if (encoded[keep - 2] == '%') {
    keep -= 2;
  }
  return std::string(kPrefix) + encoded.substr(0, keep) + tail;
}

bool is_unparseable_client(std::string_view client) { return client.starts_with("unparseable:"); }

bool from_trusted_proxy(const Request& req, const TrustedProxies& proxies) {
  if (proxies.empty()) return false;
  auto peer = IpAddress::parse(req.remote_address);
  return peer && proxies.contains(*peer);
}

std::string client_ip(const Request& req, const TrustedProxies& proxies) {
  auto peer = IpAddress::parse(req.remote_address);
  if (!peer) return req.remote_address;
  if (!proxies.contains(*peer)) return peer->to_string();  // from_trusted_proxy, parsed once

  // Every X-Forwarded-For field, in order, as one list (RFC 9110 section 5.3); empty elements
  // ignored (section 5.6.1).
  std::vector<std::string_view> hops;
  for (const auto& [name, value] : req.headers) {
    if (!iequals(name, "X-Forwarded-For")) continue;
    std::string_view v = value;
    std::size_t pos = 0;
    while (pos <= v.size()) {
      std::size_t comma = v.find(',', pos);
      std::size_t end = comma == std::string_view::npos ? v.size() : comma;
      std::string_view item = trim_ows(v.substr(pos, end - pos));
      pos = end + 1;
      if (!item.empty()) hops.push_back(item);
    }
  }
  if (hops.empty()) return peer->to_string();
  std::optional<IpAddress> leftmost;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto hop = IpAddress::parse(*it);
    if (!hop) return unparseable_client_key(*it);
    if (!proxies.contains(*hop)) return hop->to_string();
    leftmost = hop;
  }
  return leftmost->to_string();
}

}  // namespace tessera::http
