#include "http/router.h"

#include <stdexcept>

#include "http/problem.h"

namespace tessera::http {

void Router::add(const std::string& method, const std::string& path, Handler handler) {
  auto [it, inserted] = routes_[path].emplace(method, std::move(handler));
  if (!inserted) throw std::logic_error("route registered twice: " + method + " " + path);
}

Response Router::route(const Request& req) const {
  auto path = routes_.find(req.path);
  if (path == routes_.end()) return problem(404, "no resource at this path");
  const auto& methods = path->second;
  if (auto m = methods.find(req.method); m != methods.end()) return m->second(req);
  if (req.method == "HEAD") {
    if (auto get = methods.find("GET"); get != methods.end()) return get->second(req);
  }
  std::string allow;
  bool has_get = false, has_head = false;
  for (const auto& [method, handler] : methods) {  // std::map: sorted, so Allow is stable
    has_get = has_get || method == "GET";
    has_head = has_head || method == "HEAD";
    allow += (allow.empty() ? "" : ", ") + method;
  }
  if (has_get && !has_head) allow += ", HEAD";
  Response res = problem(405, "method " + req.method + " is not allowed here");
  res.headers.set("Allow", std::move(allow));
  return res;
}

Handler Router::handler() const {
  return [this](const Request& req) { return route(req); };
}

}  // namespace tessera::http
