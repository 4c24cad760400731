// The client's IP address, for login rate limits and session records (SPEC.md "HTTP API": the
// client IP is the peer address; X-Forwarded-For counts only from configured trusted proxies).
//
// Rule: when the peer is not a trusted proxy, the client is the peer, whatever the headers say.
// When it is, X-Forwarded-For (every field, joined in order) is read from the right, skipping
// addresses that are themselves trusted proxies; the first other address is the client (an
// attacker can prepend anything to the list, but not the entries our own proxies appended).
// If every entry is a trusted proxy, the left-most one is the client. A missing, empty or
// malformed X-Forwarded-For (an entry that is not a bare IPv4/IPv6 literal) gives the peer.
//
// Addresses are canonical text (inet_ntop), IPv4-mapped IPv6 (::ffff:a.b.c.d) as plain IPv4, so
// one client has one key whichever way it arrived.
//
// Example:
//   auto proxies = TrustedProxies::parse({"10.0.0.0/8", "::1"});   // at startup
//   if (!proxies) die(proxies.error());
//   std::string ip = client_ip(req, *proxies);
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace tessera::http {

// An IPv4 or IPv6 address; IPv4 is kept as its IPv4-mapped IPv6 form internally.
class IpAddress {
 public:
  // A bare literal ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"); no brackets, ports or
  // zone ids.
  static std::optional<IpAddress> parse(std::string_view text);

  bool is_v4() const;
  // Canonical text: dotted quad for IPv4 (mapped or not), RFC 5952 for IPv6.
  std::string to_string() const;
  // The address with all but the first `bits` bits cleared (bits counted in the address's own
  // family: 0..32 for IPv4, 0..128 for IPv6), e.g. for grouping by /24 or /64.
  IpAddress prefix(unsigned bits) const;

  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

class TrustedProxies {
 public:
  // CIDRs ("10.0.0.0/8", "fd00::/8") or single addresses ("127.0.0.1" = /32, "::1" = /128).
  // Refused, with a message naming the entry: malformed addresses, prefix lengths out of range,
  // and set host bits ("10.0.0.1/8": a typo more often than not).
  static std::expected<TrustedProxies, std::string> parse(const std::vector<std::string>& cidrs);

  bool contains(const IpAddress& address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    IpAddress network;
    unsigned bits = 0;  // in IPv6 terms (an IPv4 /8 is a mapped /104)
  };
  std::vector<Range> ranges_;
};

// The client address of `req` (see the rule above); req.remote_address as is when it is not
// an IP literal (which a server peer always is).
std::string client_ip(const Request& req, const TrustedProxies& proxies);

}  // namespace tessera::http
