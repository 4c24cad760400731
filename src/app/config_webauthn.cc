#include "app/config_webauthn.h"

#include <algorithm>

#include "http/csrf.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

namespace {

constexpr std::size_t kMaxRpNameBytes = 256;

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

std::vector<Field> WebauthnSection::fields() {
  return {
      {kName, "rp_id", &rp_id,
       "The relying party id: a lower-case domain name (`example.com`), the host of an allowed "
       "origin or a parent domain of it, never an IP address. Empty: the host of the first allowed "
       "origin that is a domain name; when none is, passkeys are off."},
      {kName, "rp_name", &rp_name,
       "The name the browser shows the person creating a passkey. 1..256 bytes."},
  };
}

std::optional<Problem> WebauthnSection::check() const {
  if (!rp_id.empty()) {
    if (auto ok = check_rp_id(rp_id); !ok) return Problem{"rp_id", ok.error()};
  }
  if (rp_name.empty() || rp_name.size() > kMaxRpNameBytes) {
    return Problem{"rp_name", "must be 1.." + std::to_string(kMaxRpNameBytes) + " bytes"};
  }
  return std::nullopt;
}

std::expected<void, std::string> check_rp_id(std::string_view id) {
  const std::string quoted = "\"" + std::string(id) + "\"";
  if (id.find('/') != std::string_view::npos) {
    return std::unexpected(quoted + " is a URL; an RP id is a domain name such as example.com");
  }
  const std::size_t colons = static_cast<std::size_t>(std::count(id.begin(), id.end(), ':'));
  if (id.starts_with('[') || colons > 1 || ends_in_a_number(id.substr(0, id.find(':')))) {
    return std::unexpected(quoted + " is an IP address; an RP id is a domain name, never one");
  }
  if (colons == 1) return std::unexpected(quoted + " has a port; an RP id is a domain name alone");
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

std::optional<std::string> rp_id_of_origin(std::string_view origin) {
  const std::size_t sep = origin.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string_view host = origin.substr(sep + 3);
  if (host.starts_with('[')) return std::nullopt;  // IPv6
  host = host.substr(0, host.find(':'));
  if (!check_rp_id(host)) return std::nullopt;
  return std::string(host);
}

bool origin_within_rp_id(std::string_view origin, std::string_view rp_id) {
  auto normalized = http::normalize_origin(origin);
  if (!normalized) return false;
  auto host = rp_id_of_origin(*normalized);
  return host && (*host == rp_id || host->ends_with("." + std::string(rp_id)));
}

}  // namespace tessera::app
