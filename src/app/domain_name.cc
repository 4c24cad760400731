#include "app/domain_name.h"

#include <algorithm>

#include "http/csrf.h"

namespace tessera::app {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// The WHATWG URL standard's "ends in a number" (section 3.5): the last label (a trailing dot
// aside) is decimal digits or 0x followed by hex digits, and the host parses as IPv4.
bool ends_in_a_number(std::string_view host) {
  if (host.ends_with('.')) host.remove_suffix(1);
  const std::size_t dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (std::all_of(last.begin(), last.end(), is_digit)) return true;
  return (last.starts_with("0x") || last.starts_with("0X")) &&
         std::all_of(last.begin() + 2, last.end(), is_hex);
}

}  // namespace

std::expected<void, std::string> check_domain_name(std::string_view id, std::string_view what) {
  const std::string quoted = "\"" + std::string(id) + "\"";
  if (id.find('/') != std::string_view::npos) {
    return std::unexpected(quoted + " is a URL; " + std::string(what) +
                           " is a domain name such as example.com");
  }
  const std::size_t colons = static_cast<std::size_t>(std::count(id.begin(), id.end(), ':'));
  if (id.starts_with('[') || colons > 1 || ends_in_a_number(id.substr(0, id.find(':')))) {
    return std::unexpected(quoted + " is an IP address; " + std::string(what) +
                           " is a domain name, never one");
  }
  if (colons == 1)
    return std::unexpected(quoted + " has a port; " + std::string(what) +
                           " is a domain name alone");
  if (id.empty() || id.size() > 253)
    return std::unexpected("must be a domain name of 1..253 characters");
  std::size_t start = 0;
  while (start <= id.size()) {
    std::size_t end = id.find('.', start);
    if (end == std::string_view::npos) end = id.size();
    const std::string_view label = id.substr(start, end - start);
    const bool ldh = std::all_of(label.begin(), label.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
    });
    if (label.empty() || label.size() > 63 || !ldh || label.front() == '-' || label.back() == '-') {
      return std::unexpected(quoted + " is not a lower-case domain name such as example.com");
    }
    start = end + 1;
  }
  return {};
}

std::optional<std::string> domain_of_origin(std::string_view origin) {
  const std::size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string_view host = origin.substr(sep + 3);
  if (host.starts_with('[')) return std::nullopt;  // IPv6
  host = host.substr(0, host.find(':'));
  if (!check_domain_name(host, "")) return std::nullopt;
  return std::string(host);
}

bool origin_within_domain(std::string_view origin, std::string_view domain) {
  auto normalized = http::normalize_origin(origin);
  if (!normalized) return false;
  auto host = domain_of_origin(*normalized);
  return host && http::host_within_domain(*host, domain);
}

}  // namespace tessera::app
