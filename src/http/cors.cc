#include "http/cors.h"

#include <algorithm>

#include "http/csrf.h"

namespace tessera::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `f` with each non-empty, trimmed element of a comma-separated list until it returns
// false; returns whether it never did.
template <typename F>
bool each_element(std::string_view list, F f) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    if (!item.empty() && !f(item)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

// Vary: Origin, appended to a Vary the handler set (RFC 9110 section 12.5.5).
void vary_origin(Response& res) {
  auto vary = res.headers.get("Vary");
  if (!vary) return res.headers.set("Vary", "Origin");
  const bool has = !each_element(*vary, [](std::string_view v) { return !iequals(v, "Origin"); });
  if (!has) res.headers.set("Vary", std::string(*vary) + ", Origin");
}

}  // namespace

CorsPolicy::CorsPolicy(const std::vector<std::string>& origins) {
  for (const std::string& o : origins) {
    if (auto n = normalize_origin(o)) origins_.push_back(std::move(*n));
  }
}

bool CorsPolicy::listed(std::string_view origin) const {
  return !origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::decorate(CorsScope scope, std::string_view origin, Response& res) const {
  switch (scope) {
    case CorsScope::kNone:
      return;
    case CorsScope::kPublic:
      res.headers.set("Access-Control-Allow-Origin", "*");
      return;
    case CorsScope::kCredentialed:
      vary_origin(res);
      if (!listed(origin)) return;
      res.headers.set("Access-Control-Allow-Origin", std::string(origin));
      res.headers.set("Access-Control-Allow-Credentials", "true");
      res.headers.set("Access-Control-Expose-Headers", std::string(kCorsExposedHeaders));
      return;
  }
}

Response CorsPolicy::preflight(CorsScope scope, const Request& req,
                               std::string_view methods) const {
  Response res;
  res.status = 204;
  res.headers.set("Allow", std::string(methods));
  if (scope == CorsScope::kCredentialed) vary_origin(res);
  const std::string_view origin = request_origin(req);
  const auto method = req.headers.get("Access-Control-Request-Method");
  const bool allowed =
      scope != CorsScope::kNone && !origin.empty() && method &&
      (scope == CorsScope::kPublic || listed(origin)) && cors_method_allowed(*method, methods) &&
      cors_headers_allowed(req.headers.get("Access-Control-Request-Headers").value_or(""));
  if (!allowed) return res;
  if (scope == CorsScope::kPublic) {
    res.headers.set("Access-Control-Allow-Origin", "*");
  } else {
    res.headers.set("Access-Control-Allow-Origin", std::string(origin));
    res.headers.set("Access-Control-Allow-Credentials", "true");
  }
  res.headers.set("Access-Control-Allow-Methods", std::string(methods));
  res.headers.set("Access-Control-Allow-Headers", std::string(kCorsAllowedHeaders));
  res.headers.set("Access-Control-Max-Age", std::to_string(kCorsMaxAge));
  return res;
}

std::string_view request_origin(const Request& req) {
  std::string_view origin;
  int seen = 0;
  for (const auto& [name, value] : req.headers) {
    if (iequals(name, "Origin")) {
      origin = value;
      ++seen;
    }
  }
  return seen == 1 ? origin : std::string_view();
}

bool cors_headers_allowed(std::string_view requested) {
  return each_element(requested, [](std::string_view name) {
    return !each_element(kCorsAllowedHeaders,
                         [name](std::string_view ok) { return !iequals(ok, name); });
  });
}

bool cors_method_allowed(std::string_view method, std::string_view methods) {
  return !each_element(methods, [method](std::string_view m) { return m != method; });
}

}  // namespace tessera::http
