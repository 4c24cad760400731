#include "http/csrf.h"

#include <arpa/inet.h>

#include <charconv>

#include "http/form.h"

namespace tessera::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// The values of every field `name` (Headers::get gives only the first).
std::vector<std::string_view> all_values(const Headers& headers, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) out.push_back(v);
  }
  return out;
}

// scheme "://" authority, where `rest_allowed` says whether a path/query/fragment may follow.
std::expected<std::string, std::string> parse_origin(std::string_view text, bool rest_allowed) {
  std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) return std::unexpected("not scheme://host[:port]");
  std::string scheme = lower(text.substr(0, sep));
  if (scheme != "http" && scheme != "https") return std::unexpected("scheme must be http or https");
  std::string_view rest = text.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (end != std::string_view::npos && !rest_allowed) {
    return std::unexpected("an origin has no path, query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) return std::unexpected("userinfo refused");

  std::string host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected("unterminated IPv6 literal");
    std::string literal(authority.substr(1, close - 1));
    in6_addr addr{};
    if (::inet_pton(AF_INET6, literal.c_str(), &addr) != 1) {
      return std::unexpected("malformed IPv6 literal");
    }
    char buf[INET6_ADDRSTRLEN];
    ::inet_ntop(AF_INET6, &addr, buf, sizeof buf);
    host = std::string("[") + buf + "]";
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::unexpected("junk after the IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty()) return std::unexpected("empty port");
    }
  } else {
    std::size_t colon = authority.find(':');
    std::string_view name = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return std::unexpected("empty port");
    }
    if (name.empty()) return std::unexpected("empty host");
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) {
      return std::unexpected("malformed host");
    }
    for (char c : name) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.';
      if (!ok) return std::unexpected("malformed host");
    }
    host = lower(name);
  }

  std::string out = scheme + "://" + host;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535 || port_text.size() > 5) {
      return std::unexpected("malformed port");
    }
    bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    if (!default_port) out += ":" + std::to_string(port);
  }
  return out;
}

}  // namespace

bool is_unsafe_method(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS" && method != "TRACE";
}

std::expected<std::string, std::string> normalize_origin(std::string_view origin) {
  if (origin == "null") return std::unexpected("the opaque origin \"null\" is never allowed");
  return parse_origin(origin, /*rest_allowed=*/false);
}

std::expected<std::string, std::string> origin_of_url(std::string_view url) {
  return parse_origin(url, /*rest_allowed=*/true);
}

bool host_within_domain(std::string_view host, std::string_view domain) {
  if (domain.empty() || host.empty() || host.front() == '[') return false;
  if (host.size() == domain.size()) return host == domain;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed,
                    std::string_view cookie_domain) {
  for (const std::string& a : allowed) {
    auto normalized = normalize_origin(a);
    if (normalized && *normalized == origin) return true;
  }
  constexpr std::string_view kHttps = "https://";
  if (cookie_domain.empty() || !origin.starts_with(kHttps)) return false;
  std::string_view host = origin.substr(kHttps.size());
  host = host.substr(0, host.find(':'));  // a name: no IPv6 colons (those never match anyway)
  return host_within_domain(host, cookie_domain);
}

OriginCheck check_origin(const Request& req, const std::vector<std::string>& allowed,
                         std::string_view cookie_domain) {
  std::vector<std::string_view> origins = all_values(req.headers, "Origin");
  if (origins.size() > 1) return OriginCheck::kNotAllowed;
  if (origins.size() == 1) {
    auto origin = normalize_origin(origins.front());
    return origin && origin_allowed(*origin, allowed, cookie_domain) ? OriginCheck::kOk
                                                                     : OriginCheck::kNotAllowed;
  }
  std::vector<std::string_view> referers = all_values(req.headers, "Referer");
  if (referers.empty()) return OriginCheck::kMissing;
  if (referers.size() > 1) return OriginCheck::kNotAllowed;
  auto origin = origin_of_url(referers.front());
  return origin && origin_allowed(*origin, allowed, cookie_domain) ? OriginCheck::kOk
                                                                   : OriginCheck::kNotAllowed;
}

std::optional<std::string> presented_csrf_token(const Request& req) {
  std::vector<std::string_view> headers = all_values(req.headers, "X-CSRF-Token");
  if (headers.size() > 1) return std::nullopt;
  if (headers.size() == 1) {
    if (headers.front().empty()) return std::nullopt;
    return std::string(headers.front());
  }
  if (!has_media_type(req, "application/x-www-form-urlencoded")) return std::nullopt;
  auto fields = parse_form(req.body);
  if (!fields) return std::nullopt;
  auto token = form_field(*fields, "csrf_token");
  if (!token || token->empty()) return std::nullopt;
  return std::string(*token);
}

}  // namespace tessera::http
