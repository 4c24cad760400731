// Method + exact path -> handler. No patterns, no trailing-slash folding, no percent-decoding:
// a path matches only itself, so what is routed is exactly what was registered.
//
// Thread safety: add() during wiring only; route() is const and safe from many threads after.
//
// Example:
//   Router r;
//   r.add("GET", "/healthz", [](const Request&) { return make_response(200, R"({"status":"ok"})");
//   }); Response res = r.route(request);
#pragma once

#include <functional>
#include <map>
#include <string>

#include "http/message.h"

namespace tessera::http {

// A request handler. It should not throw; if it does, the server answers 500 and logs.
using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  // Registers `handler` for `method` on `path`.
  // REQUIRES: the pair is not registered yet (a wiring bug: throws std::logic_error at startup).
  void add(const std::string& method, const std::string& path, Handler handler);

  // The handler's response; for an unregistered path 404, for a registered path without the
  // method 405 with Allow (RFC 9110 section 15.5.6). HEAD runs the GET handler when no HEAD
  // handler is registered (RFC 9110 section 9.3.2; the server sends no body for HEAD).
  // Exceptions from the handler propagate to the caller (the server's connection loop).
  Response route(const Request& req) const;

  // route() as a Handler. The Router must outlive it.
  Handler handler() const;

 private:
  // path -> method -> handler
  std::map<std::string, std::map<std::string, Handler>, std::less<>> routes_;
};

}  // namespace tessera::http
