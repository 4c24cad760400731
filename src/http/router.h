// Method + path -> handler. A path matches only itself, except that a segment registered as
// `{name}` matches any one non-empty segment (no '/'), whose raw (not percent-decoded) text the
// handler finds in Request::path_params. Exact paths win over patterns; among patterns, the
// first registered wins. No trailing-slash folding, no percent-decoding: what is routed is
// exactly what was registered.
//
// Two kinds of handler:
//   - Handler (sync): returns the response. Runs on an I/O thread, so it must not block: most
//     routes (token and session checks, JWKS, health) are this kind.
//   - AsyncHandler: gets the request by value and a Responder, returns at once, and calls the
//     Responder exactly once, later, from any thread (e.g. after password hashing on a worker
//     pool). The connection waits without holding an I/O thread.
//
// Thread safety: add()/add_async() during wiring only; everything const is safe from many
// threads after.
//
// Example:
//   Router r;
//   r.add("GET", "/healthz", [](const Request&) { return make_response(200, "{}"); });
//   r.add_async("POST", "/auth/login", [&pool](Request req, Responder respond) {
//     if (!pool.submit([req = std::move(req), respond] { respond(login(req)); }))
//       respond(problem(503, "busy"));
//   });
//   r.add("DELETE", "/auth/sessions/{id}", [](const Request& req) {
//     return revoke(*req.path_param("id"));
//   });
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/cors.h"
#include "http/message.h"

namespace tessera::http {

// A sync request handler. It should not throw; if it does, the server answers 500 and logs.
using Handler = std::function<Response(const Request&)>;

// Completes one async request. Copyable (copies share one completion) and callable from any
// thread. Contract for whoever holds it:
//   - call it exactly once. The first call wins; later calls are ignored (and logged: a bug).
//   - if every copy is destroyed without a call (a lost job, an exception in a worker), the
//     request is answered 500 at once, and the event is logged.
//   - a call after the server's handler timeout (ServerLimits::handler_timeout) is dropped
//     safely: the client already got 503.
class Responder {
 public:
  using Sink = std::function<void(Response)>;

  // A responder that delivers its one response to `sink` (the server's own; in tests, e.g. a
  // std::promise). `sink` runs on the thread that answers, or, for an abandoned responder, on
  // the thread that drops the last copy; it must not throw.
  explicit Responder(Sink sink);

  // Delivers `res` (see the contract above). Thread-safe.
  void operator()(Response res) const;

  // Whether some copy has been called already.
  bool answered() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

// An async request handler: owns the request, answers through the responder (see above). It
// must return promptly (it runs on an I/O thread) and should not throw; if it throws before
// answering, the request is answered 500.
using AsyncHandler = std::function<void(Request, Responder)>;

class Router {
 public:
  // Route index for requests that match no registered path (metrics label "unmatched").
  static constexpr std::size_t kUnmatched = std::numeric_limits<std::size_t>::max();

  // Registers `handler` for `method` on `path` (exact, or with `{name}` segments).
  // REQUIRES: the pair is not registered yet, and `path` starts with '/' and its `{...}`
  // segments are well formed and uniquely named (wiring bugs: throws std::logic_error).
  void add(const std::string& method, const std::string& path, Handler handler);
  void add_async(const std::string& method, const std::string& path, AsyncHandler handler);

  // CORS (http/cors.h) for the paths `scope` puts in a scope: their handlers' responses (and
  // their 405s) get the CORS headers, and each such path answers OPTIONS itself (preflights;
  // Allow then lists OPTIONS too). Paths in no scope are not wrapped, so they cost nothing more.
  // Without this call no path is in scope. REQUIRES: before any add()/add_async() (a wiring bug:
  // throws std::logic_error).
  void use_cors(std::shared_ptr<const CorsPolicy> policy,
                std::function<CorsScope(std::string_view path)> scope);

  // What the server runs for a request: exactly one of `handler` and `async_handler` is set.
  // For an unregistered path it is a 404 handler; for a registered path without the method a
  // 405 handler with Allow (RFC 9110 section 15.5.6). HEAD runs the GET handler when no HEAD
  // handler is registered (RFC 9110 section 9.3.2; the server sends no body for HEAD).
  struct Match {
    std::size_t route = kUnmatched;  // index into paths()
    const Handler* handler = nullptr;
    const AsyncHandler* async_handler = nullptr;
  };
  // Finds the handler for `req` and sets req.path_params from a pattern route.
  Match match(Request& req) const;

  // The response, for tests and tools: calls the sync handler, or calls the async one and
  // BLOCKS until it answers (never call it on an I/O thread). Exceptions from a sync handler
  // propagate; an async handler that throws before answering gives 500.
  Response route(const Request& req) const;

  // route() as a Handler. The Router must outlive it. (The server takes the Router itself, so
  // that async routes do not block; this is for sync-only uses.)
  Handler handler() const;

  // The registered paths, by route index (the metrics route labels: bounded, never raw paths).
  const std::vector<std::string>& paths() const { return paths_; }

  // Every registered (method, path) pair, sorted: the CORS preflights (OPTIONS) included, the
  // implicit HEAD-runs-GET not. For tools that describe the routes (`tessera routes`).
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Endpoint {
    Handler handler;
    AsyncHandler async_handler;
  };
  struct PathEntry {
    std::size_t index = 0;                    // into paths_
    std::vector<std::string> segments;        // patterns only: split at '/'
    std::map<std::string, Endpoint> methods;  // method -> handler; sorted for Allow
    Handler not_allowed;                      // 405 with this path's Allow
  };

  static Endpoint with_cors(Endpoint endpoint, std::shared_ptr<const CorsPolicy> cors,
                            CorsScope scope);
  PathEntry& entry(const std::string& path);
  void add_endpoint(const std::string& method, const std::string& path, Endpoint endpoint);
  const PathEntry* find(Request& req) const;

  std::map<std::string, PathEntry, std::less<>> exact_;
  std::vector<std::unique_ptr<PathEntry>> patterns_;  // in registration order
  std::vector<std::string> paths_;
  std::shared_ptr<const CorsPolicy> cors_;                      // null: CORS off
  std::function<CorsScope(std::string_view path)> cors_scope_;  // set with cors_
};

}  // namespace tessera::http
