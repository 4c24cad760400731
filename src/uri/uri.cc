#include "uri/uri.h"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <charconv>

namespace tessera::uri {
namespace {

boost::core::string_view sv(std::string_view s) { return {s.data(), s.size()}; }

bool is_loopback_host(const boost::urls::url_view& u) {
  // The literals only: the encoded host text as written ("127.0.0.1", "[::1]").
  const auto host = u.encoded_host_address();
  return (u.host_type() == boost::urls::host_type::ipv4 && host == "127.0.0.1") ||
         (u.host_type() == boost::urls::host_type::ipv6 && host == "::1");
}

// 1-65535 in decimal digits (Boost.URL's port_number() wraps larger values around).
bool valid_port(boost::core::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() && value >= 1 &&
         value <= 65535;
}

}  // namespace

// Everything but unreserved characters percent-encoded: '+' read as a space by form decoders
// and '=' or '&' read as separators can then never change a value, whichever way the client
// decodes the query.
std::string percent_encode(std::string_view s) {
  return boost::urls::encode(sv(s), boost::urls::unreserved_chars);
}

std::expected<std::string, std::string> with_query_params(std::string_view uri,
                                                          const QueryParams& params) {
  auto parsed = boost::urls::parse_absolute_uri(sv(uri));
  if (!parsed) return std::unexpected("not an absolute URI");
  boost::urls::url out(*parsed);
  for (const auto& [name, value] : params) {
    const std::string n = percent_encode(name);
    const std::string v = percent_encode(value);
    out.encoded_params().append(boost::urls::param_pct_view(n, v));
  }
  return std::string(out.buffer());
}

std::string encode_query(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

std::optional<std::string> csp_source_of(std::string_view uri) {
  auto parsed = boost::urls::parse_absolute_uri(sv(uri));
  if (!parsed) return std::nullopt;
  std::string out(parsed->scheme());
  out += ':';
  if (parsed->has_authority()) {
    out += "//";
    out += std::string_view(parsed->encoded_host_and_port());
  }
  return out;
}

std::optional<std::string> navigation_origin(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(sv(url));  // no fragment, no relative reference
  if (!parsed) return std::nullopt;
  const boost::urls::url_view& u = *parsed;
  std::string scheme(u.scheme());
  for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (scheme != "https" && !(scheme == "http" && is_loopback_host(u))) return std::nullopt;
  if (!u.has_authority() || u.has_userinfo()) return std::nullopt;
  const std::string_view host(u.encoded_host().data(), u.encoded_host().size());
  if (host.empty() || host.find('%') != std::string_view::npos) return std::nullopt;
  if (u.host_type() == boost::urls::host_type::ipvfuture) return std::nullopt;
  if (u.has_port() && !valid_port(u.port())) return std::nullopt;
  std::string out = scheme + "://";
  for (char c : host) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (u.has_port()) {
    out += ':';
    out += std::string_view(u.port().data(), u.port().size());
  }
  return out;
}

std::expected<RedirectKind, std::string> check_redirect_uri(std::string_view uri) {
  // parse_absolute_uri refuses relative references and fragments (absolute-URI has none).
  auto parsed = boost::urls::parse_absolute_uri(sv(uri));
  if (!parsed) {
    return std::unexpected("not an absolute URI without a fragment (RFC 6749 section 3.1.2)");
  }
  const boost::urls::url_view& u = *parsed;
  if (u.has_userinfo()) return std::unexpected("a redirect URI must not carry userinfo");
  const auto scheme = u.scheme();
  if (u.has_port() && !valid_port(u.port())) return std::unexpected("a port from 1 to 65535");
  if (scheme == "https") {
    if (u.encoded_host().empty()) return std::unexpected("an https redirect URI needs a host");
    return RedirectKind::kHttps;
  }
  if (scheme == "http") {
    if (!is_loopback_host(u)) {
      return std::unexpected(
          "http is only for loopback redirect URIs (http://127.0.0.1 or http://[::1]; RFC 8252 "
          "section 7.3); use https");
    }
    return RedirectKind::kLoopback;
  }
  // Private-use schemes (RFC 8252 section 7.1): reverse domain names, never a short word any
  // app could claim (and never a scheme a browser runs itself).
  for (const char* refused :
       {"javascript", "data", "file", "about", "blob", "vbscript", "ftp", "ws", "wss"}) {
    if (scheme == refused) return std::unexpected("a redirect URI scheme browsers run themselves");
  }
  if (scheme.find('.') == boost::core::string_view::npos) {
    return std::unexpected(
        "a private-use scheme must be a reverse domain name such as com.example.app (RFC 8252 "
        "section 7.1)");
  }
  return RedirectKind::kPrivateUse;
}

bool redirect_uri_matches(std::string_view registered, std::string_view presented) {
  if (registered == presented) return true;
  auto r = boost::urls::parse_absolute_uri(sv(registered));
  auto p = boost::urls::parse_absolute_uri(sv(presented));
  if (!r || !p) return false;
  if (r->scheme() != "http" || !is_loopback_host(*r)) return false;  // exact match only
  // Loopback: every part but the port byte for byte (encoded text as written).
  if (p->has_port() && !valid_port(p->port())) return false;
  return p->scheme() == r->scheme() && !p->has_userinfo() &&
         p->encoded_host() == r->encoded_host() && p->encoded_path() == r->encoded_path() &&
         p->has_query() == r->has_query() && p->encoded_query() == r->encoded_query();
}

}  // namespace tessera::uri
