#include "api/return_target.h"

#include <algorithm>
#include <utility>

#include "http/csrf.h"
#include "uri/uri.h"

namespace tessera::api {

bool safe_return_to(std::string_view path) {
  constexpr std::string_view kPrefix = "/oauth2/authorize?";
  if (!path.starts_with(kPrefix) || path.size() > kMaxReturnTargetBytes) return false;
  // The query as encode_query() writes it: unreserved characters, '%XX', '=' and '&' only.
  return std::all_of(path.begin() + kPrefix.size(), path.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '%' || c == '=' || c == '&';
  });
}

ReturnTargets::ReturnTargets(std::vector<std::string> allowed_origins, std::string cookie_domain)
    : allowed_origins_(std::move(allowed_origins)), cookie_domain_(std::move(cookie_domain)) {}

bool ReturnTargets::allows_url(std::string_view url) const {
  if (url.empty() || url.size() > kMaxReturnTargetBytes) return false;
  const bool printable = std::all_of(url.begin(), url.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b > 0x20 && b < 0x7f && c != '\\';
  });
  if (!printable) return false;
  auto origin = uri::navigation_origin(url);
  if (!origin) return false;
  // The same canonical form the allowed origins are compared in (default ports dropped).
  auto normalized = http::normalize_origin(*origin);
  return normalized && http::origin_allowed(*normalized, allowed_origins_, cookie_domain_);
}

bool ReturnTargets::allows(std::string_view target) const {
  return safe_return_to(target) || allows_url(target);
}

std::string login_url_with_return(std::string_view login_url, std::string_view target) {
  std::string out(login_url);
  out.append("?return_to=").append(uri::percent_encode(target));
  return out;
}

}  // namespace tessera::api
