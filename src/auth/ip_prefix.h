// Client IP prefixes: the unit the rate limiter counts per IP (IPv6 /64: one host usually owns
// a whole /64) and the "IP prefix" of a device fingerprint (/24 IPv4, /48 IPv6).
#pragma once

#include <string>
#include <string_view>

namespace tessera::auth {

// The canonical text of `ip`'s first `v4_bits` (IPv4) or `v6_bits` (IPv6) bits followed by
// "/bits", e.g. ip_prefix("203.0.113.77", 24, 48) == "203.0.113.0/24". IPv4-mapped IPv6
// (::ffff:a.b.c.d) counts as IPv4. Text that is not an IP address comes back unchanged, so a
// caller still gets a stable key of its own: the http layer hands us canonical addresses, or an
// unparseable client's key ("unparseable:...", short printable ASCII, never an address:
// http/client_ip.h), which is thus its own rate-limit bucket and its own device prefix.
std::string ip_prefix(std::string_view ip, int v4_bits, int v6_bits);

}  // namespace tessera::auth
