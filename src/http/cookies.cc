#include "http/cookies.h"

namespace tessera::http {
namespace {

// RFC 9110 section 5.6.2 tchar.
bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// RFC 6265 section 4.1.1 cookie-octet: US-ASCII except CTLs, whitespace, DQUOTE, comma,
// semicolon and backslash.
bool is_cookie_octet(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x2B) || (u >= 0x2D && u <= 0x3A) ||
         (u >= 0x3C && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
}

bool is_ctl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// A cookie-value: *cookie-octet, or the same between DQUOTEs. The quotes are removed; nullopt
// if it is not one.
std::optional<std::string_view> cookie_value(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  for (char c : v) {
    if (!is_cookie_octet(c)) return std::nullopt;
  }
  return v;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

CookieLookup Cookies::find(std::string_view name) const {
  CookieLookup out;
  for (const Pair& p : pairs_) {
    if (p.name != name) continue;
    if (out.state != CookieLookup::kAbsent) return CookieLookup{CookieLookup::kDuplicate, {}};
    out = p.valid ? CookieLookup{CookieLookup::kPresent, p.value}
                  : CookieLookup{CookieLookup::kInvalid, {}};
  }
  return out;
}

std::optional<std::string_view> Cookies::get(std::string_view name) const {
  CookieLookup l = find(name);
  if (l.state != CookieLookup::kPresent) return std::nullopt;
  return l.value;
}

bool Cookies::has_duplicates() const {
  for (std::size_t i = 0; i < pairs_.size(); ++i) {
    for (std::size_t j = i + 1; j < pairs_.size(); ++j) {
      if (pairs_[i].name == pairs_[j].name) return true;
    }
  }
  return false;
}

Cookies parse_cookie_header(std::string_view header) {
  Cookies jar;
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t semi = header.find(';', pos);
    std::size_t end = semi == std::string_view::npos ? header.size() : semi;
    std::string_view part = trim_ows(header.substr(pos, end - pos));
    pos = end + 1;
    // "a=1;" and "a=1; ; b=2": empty list elements carry nothing (as for any list in HTTP).
    // Nameless pairs ("=v", a bare "v") are skipped as user agents skip them (see the header).
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim_ows(part.substr(0, eq));
    if (name.empty()) continue;
    Cookies::Pair pair;
    pair.name = std::string(name);
    auto value = cookie_value(trim_ows(part.substr(eq + 1)));
    pair.valid = is_token(name) && value.has_value();
    pair.value = pair.valid ? std::string(*value) : std::string();
    jar.pairs_.push_back(std::move(pair));
  }
  return jar;
}

Cookies parse_cookies(const Headers& headers) {
  std::string joined;
  bool first = true;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "Cookie")) continue;
    if (!first) joined += "; ";
    joined += value;
    first = false;
  }
  return parse_cookie_header(joined);
}

std::expected<std::string, std::string> SetCookie::to_string() const {
  if (!is_token(name)) return std::unexpected("cookie name is not a token: " + name);
  for (char c : value) {
    if (!is_cookie_octet(c)) return std::unexpected("cookie value has a forbidden byte: " + name);
  }
  // Path: av-octets (RFC 6265 section 4.1.1), and absolute.
  if (path.empty() || path.front() != '/') return std::unexpected("cookie path must start with /");
  for (char c : path) {
    if (is_ctl(c) || c == ';') return std::unexpected("cookie path has a forbidden byte");
  }
  if (domain) {
    if (domain->empty()) return std::unexpected("cookie domain is empty");
    for (char c : *domain) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.';
      if (!ok) return std::unexpected("cookie domain is not a host name");
    }
  }
  if (max_age && *max_age < 0) return std::unexpected("cookie Max-Age is negative");
  // Prefixes (RFC 6265bis section 4.1.3); browsers match them case-insensitively.
  if (starts_with_ci(name, "__Host-")) {
    if (!secure || path != "/" || domain) {
      return std::unexpected("__Host- cookie needs Secure, Path=/ and no Domain: " + name);
    }
  } else if (starts_with_ci(name, "__Secure-")) {
    if (!secure) return std::unexpected("__Secure- cookie needs Secure: " + name);
  }

  std::string out = name + "=" + value + "; Path=" + path;
  if (domain) out += "; Domain=" + *domain;
  if (max_age) out += "; Max-Age=" + std::to_string(*max_age);
  if (secure) out += "; Secure";
  if (http_only) out += "; HttpOnly";
  out += same_site == SameSite::kStrict ? "; SameSite=Strict" : "; SameSite=Lax";
  return out;
}

SetCookie SetCookie::deletion() const {
  SetCookie d = *this;
  d.value.clear();
  d.max_age = 0;
  return d;
}

}  // namespace tessera::http
