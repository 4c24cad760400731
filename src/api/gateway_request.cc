#include "api/gateway_request.h"

#include "http/form.h"

namespace tessera::api {

std::optional<std::string_view> single_header(const http::Request& req, std::string_view name) {
  std::optional<std::string_view> found;
  for (const auto& [n, v] : req.headers) {
    if (!http::iequals(n, name)) continue;
    if (found) return std::nullopt;  // sent twice: ambiguous
    found = std::string_view(v);
  }
  return found;
}

std::string_view original_method(const http::Request& req) {
  for (std::string_view name : {"X-Original-Method", "X-Forwarded-Method"}) {
    if (auto m = single_header(req, name); m && !m->empty()) return *m;
  }
  return req.method;
}

namespace {

// The one `name` parameter of /auth/verify's own query; "" when absent, repeated or malformed.
std::string query_parameter(const http::Request& req, std::string_view name) {
  if (req.query.empty()) return {};
  auto fields = http::parse_form(req.query);
  if (!fields) return {};
  return std::string(http::form_field(*fields, name).value_or(""));
}

}  // namespace

bool redirect_as_401(const http::Request& req) { return query_parameter(req, "redirect") == "401"; }

std::string original_url(const http::Request& req) {
  if (auto url = single_header(req, "X-Original-URL")) return std::string(*url);
  auto proto = single_header(req, "X-Forwarded-Proto");
  auto host = single_header(req, "X-Forwarded-Host");
  auto uri = single_header(req, "X-Forwarded-Uri");
  if (proto && host && uri && (*proto == "https" || *proto == "http") && uri->starts_with('/')) {
    std::string out(*proto);
    out += "://";
    out += *host;
    out += *uri;
    return out;
  }
  return query_parameter(req, "rd");
}

bool is_browser_navigation(const http::Request& req) {
  const std::string_view method = original_method(req);
  if (method != "GET" && method != "HEAD") return false;
  if (auto mode = req.headers.get("Sec-Fetch-Mode")) return *mode == "navigate";
  auto accept = req.headers.get("Accept");
  return accept && accept->find("text/html") != std::string_view::npos;
}

}  // namespace tessera::api
