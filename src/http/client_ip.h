// The client's IP address, for login rate limits, session records and the audit log (SPEC.md
// "HTTP API": the client IP is the peer address; X-Forwarded-For counts only from configured
// trusted proxies).
//
// Rule: when the peer is not a trusted proxy, the client is the peer, whatever the headers say.
// When it is, X-Forwarded-For (every field, joined in order, empty list elements ignored as RFC
// 9110 section 5.6.1 asks) is walked from the right: each element was appended by the hop to
// its right, so while those hops are trusted proxies the element is what a trusted proxy saw.
// Trusted proxies are skipped; the first other element is the client:
//   - an IPv4/IPv6 literal: that address, canonical;
//   - anything else ("unknown", "1.2.3.4:80", "[::1]", garbage): an *unparseable client*, keyed
//     by what it says (unparseable_client_key below). Never the peer: the peer is our own proxy,
//     and every client that sent such an element would share its rate-limit bucket and be
//     logged under its address (issue 14, defect 3).
// If every element is a trusted proxy, the left-most one is the client; with no element at all
// (no X-Forwarded-For, or only empty ones) the request is the proxy's own, and the peer is the
// client. Elements left of the client's are never read: whatever they hold, malformed or not,
// cannot matter.
//
// Why a malformed element stops the walk (and is not skipped): a malformed element is either
// the client's own claim passed through (when the hop that should have appended the real
// address was itself trusted, or a trusted proxy passes the header on without appending), or
// what a trusted proxy wrote in place of an address (a proxy that appends "ip:port" or
// "unknown"). In both cases the elements to its left were written by someone we do not trust;
// skipping it would let a client pick any address it likes, and going back to the peer is the
// defect. So the client is "unparseable", and that is all we know.
//
// Why one key per distinct claim, not one shared "unknown" key: whoever controls that element
// could equally have written any valid address and had a bucket of its own, so distinct keys
// give an attacker nothing new; one shared key would let one client fill a bucket shared by
// every other client whose proxy writes odd elements, which is the defect again under another
// name. Clients whose elements are identical ("unknown") do share one key: nothing tells them
// apart. (A proxy that appends "ip:port" makes each connection a client of its own, and the
// per-IP limit a per-connection one: configure such a proxy to append bare addresses.)
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
#include <cstddef>
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

// The most bytes a client key has: an address, or an unparseable client's key. It fits the
// session, refresh-family and audit records' IP fields (64 bytes) unchanged.
inline constexpr std::size_t kMaxClientKeyBytes = 64;

// The key of a client whose X-Forwarded-For element `element` is not an address:
// "unparseable:" followed by the element, percent-encoded (every byte outside '!'..'}' and
// '%', '"', '\', '~' as %XX, so the text is printable ASCII and tells any two elements apart),
// and, when that would pass kMaxClientKeyBytes, cut short and ended by '~' and a 64-bit hash
// of the whole element, so different long elements still get different keys. It is never an
// IP literal, and ip_prefix (auth/ip_prefix.h) and the audit log keep it as it is: it says
// "unparseable" wherever it is recorded.
std::string unparseable_client_key(std::string_view element);

// Whether `client` (a client_ip result) is an unparseable client's key.
bool is_unparseable_client(std::string_view client);

// Whether `req` came straight from a trusted proxy (its peer address is in `proxies`): the one
// test before any header a proxy sets is believed (X-Forwarded-For here, X-Request-Id in
// http/request_id.h).
bool from_trusted_proxy(const Request& req, const TrustedProxies& proxies);

// The client address of `req` (see the rule above): a canonical IP literal, or an unparseable
// client's key; req.remote_address as is when it is not an IP literal (which a server peer
// always is).
std::string client_ip(const Request& req, const TrustedProxies& proxies);

}  // namespace tessera::http
