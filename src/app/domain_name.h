// Domain names in the configuration (webauthn.rp_id, web.cookie_domain): what one may be, and
// whether an origin's host is it or under it. One rule for both keys.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::app {

// Whether `name` is a domain name: one to 253 characters of dot-separated labels (1..63 of a-z,
// 0-9, '-', neither first nor last), and not an IP address: not a bracketed IPv6 literal and no
// last label that is a number (decimal, or 0x hex), which is how the WHATWG URL host parser
// tells an IPv4 address. The error says what is wrong, calling the name `what` ("an RP id").
std::expected<void, std::string> check_domain_name(std::string_view name, std::string_view what);

// The host of an origin as http::normalize_origin writes it ("https://a.example:8443" ->
// "a.example") when that host is a domain name (check_domain_name); nullopt for an IP address
// or anything else.
std::optional<std::string> domain_of_origin(std::string_view origin);

// Whether `origin`'s host is `domain` or a subdomain of it (http::host_within_domain); never
// for an IP address.
bool origin_within_domain(std::string_view origin, std::string_view domain);

}  // namespace tessera::app
