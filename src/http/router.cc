#include "http/router.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <set>
#include <stdexcept>

#include "http/log.h"
#include "http/problem.h"

namespace tessera::http {
namespace {

// The answer when a handler failed (threw, or dropped its responder): the cause is logged.
Response handler_failed() {
  return problem(500, codes::kInternalError, "the server failed to handle this request");
}

}  // namespace

// ---- Responder ----

struct Responder::Core {
  explicit Core(Sink s) : sink(std::move(s)) {}
  // The last copy is gone: if nobody answered, answer 500 now rather than at the timeout.
  ~Core() {
    if (answered.exchange(true, std::memory_order_acq_rel)) return;
    try {
      log_event(LogLevel::kError, "async handler dropped its responder without answering");
      sink(handler_failed());
    } catch (...) {  // a destructor must not throw; the server's timeout still answers
    }
  }
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  Sink sink;  // called once, by whoever sets `answered` first
  std::atomic<bool> answered{false};
};

Responder::Responder(Sink sink) : core_(std::make_shared<Core>(std::move(sink))) {}

void Responder::operator()(Response res) const {
  if (core_->answered.exchange(true, std::memory_order_acq_rel)) {
    log_event(LogLevel::kError, "async handler answered twice; the later answer is dropped",
              {{"status", std::to_string(res.status)}});
    return;
  }
  // Only this call touches the sink now; moving it out frees what it holds early.
  Sink sink = std::move(core_->sink);
  sink(std::move(res));
}

bool Responder::answered() const { return core_->answered.load(std::memory_order_acquire); }

// ---- Router ----

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // after the leading '/'
  for (;;) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.emplace_back(path.substr(start));
      return out;
    }
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool is_param(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Checks a pattern's `{name}` segments; returns whether it has any.
bool check_pattern(const std::string& path, const std::vector<std::string>& segments) {
  bool any = false;
  std::set<std::string_view> names;
  for (const std::string& s : segments) {
    if (is_param(s)) {
      std::string_view name = std::string_view(s).substr(1, s.size() - 2);
      for (char c : name) {
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) throw std::logic_error("bad path parameter name in route " + path);
      }
      if (!names.insert(name).second) {
        throw std::logic_error("path parameter named twice in route " + path);
      }
      any = true;
    } else if (s.find_first_of("{}") != std::string::npos) {
      throw std::logic_error("malformed path parameter in route " + path);
    }
  }
  return any;
}

const Handler& not_found() {
  static const Handler h = [](const Request&) {
    return problem(404, codes::kRouteNotFound, "no resource at this path");
  };
  return h;
}

}  // namespace

Router::PathEntry& Router::entry(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    throw std::logic_error("route path must start with '/': " + path);
  }
  if (auto it = exact_.find(path); it != exact_.end()) return it->second;
  for (auto& p : patterns_) {
    if (paths_[p->index] == path) return *p;
  }
  std::vector<std::string> segments = split_path(path);
  PathEntry* e = nullptr;
  if (check_pattern(path, segments)) {
    patterns_.push_back(std::make_unique<PathEntry>());
    e = patterns_.back().get();
    e->segments = std::move(segments);
  } else {
    e = &exact_[path];
  }
  e->index = paths_.size();
  paths_.push_back(path);
  return *e;
}

void Router::use_cors(std::shared_ptr<const CorsPolicy> policy,
                      std::function<CorsScope(std::string_view path)> scope) {
  if (!paths_.empty()) throw std::logic_error("use_cors after routes were added");
  cors_ = std::move(policy);
  cors_scope_ = std::move(scope);
}

void Router::add_endpoint(const std::string& method, const std::string& path, Endpoint endpoint) {
  PathEntry& e = entry(path);
  const CorsScope scope = cors_ ? cors_scope_(path) : CorsScope::kNone;
  if (scope != CorsScope::kNone) {
    endpoint = with_cors(std::move(endpoint), cors_, scope);
    e.methods.try_emplace("OPTIONS");  // answered below, once Allow is known
  }
  auto [it, inserted] = e.methods.emplace(method, std::move(endpoint));
  if (!inserted) throw std::logic_error("route registered twice: " + method + " " + path);

  std::string allow;
  bool has_get = false, has_head = false;
  for (const auto& [m, unused] : e.methods) {  // std::map: sorted, so Allow is stable
    has_get = has_get || m == "GET";
    has_head = has_head || m == "HEAD";
    allow += (allow.empty() ? "" : ", ") + m;
  }
  if (has_get && !has_head) allow += ", HEAD";
  e.not_allowed = [allow, cors = cors_, scope](const Request& req) {
    Response res =
        problem(405, codes::kMethodNotAllowed, "method " + req.method + " is not allowed here");
    res.headers.set("Allow", allow);
    if (scope != CorsScope::kNone) cors->decorate(scope, request_origin(req), res);
    return res;
  };
  if (scope != CorsScope::kNone) {
    e.methods["OPTIONS"].handler = [allow, cors = cors_, scope](const Request& req) {
      return cors->preflight(scope, req, allow);
    };
  }
}

// `endpoint` with the CORS headers added to whatever it answers. An async handler gets a
// responder that adds them before passing the response on; if it throws before answering,
// the wrapped responder answers 500 (with the headers), so the outer one is called once.
Router::Endpoint Router::with_cors(Endpoint endpoint, std::shared_ptr<const CorsPolicy> cors,
                                   CorsScope scope) {
  if (endpoint.handler) {
    return {[h = std::move(endpoint.handler), cors, scope](const Request& req) {
              Response res = h(req);
              cors->decorate(scope, request_origin(req), res);
              return res;
            },
            nullptr};
  }
  return {nullptr,
          [h = std::move(endpoint.async_handler), cors, scope](Request req, Responder respond) {
            Responder decorated(
                [respond, cors, scope, origin = std::string(request_origin(req))](Response res) {
                  cors->decorate(scope, origin, res);
                  respond(std::move(res));
                });
            try {
              h(std::move(req), decorated);
            } catch (...) {
              decorated(handler_failed());
            }
          }};
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto list = [&](const PathEntry& e) {
    for (const auto& [method, unused] : e.methods) out.emplace_back(method, paths_[e.index]);
  };
  for (const auto& [path, e] : exact_) list(e);
  for (const auto& p : patterns_) list(*p);
  std::sort(out.begin(), out.end());
  return out;
}

void Router::add(const std::string& method, const std::string& path, Handler handler) {
  add_endpoint(method, path, Endpoint{std::move(handler), nullptr});
}

void Router::add_async(const std::string& method, const std::string& path, AsyncHandler handler) {
  add_endpoint(method, path, Endpoint{nullptr, std::move(handler)});
}

const Router::PathEntry* Router::find(Request& req) const {
  if (auto it = exact_.find(req.path); it != exact_.end()) return &it->second;
  if (patterns_.empty() || req.path.empty() || req.path.front() != '/') return nullptr;
  std::string_view path = req.path;
  for (const auto& p : patterns_) {
    // Walk the segments of the request path against the pattern's, without allocating.
    std::size_t pos = 1, i = 0;
    bool ok = true;
    for (; i < p->segments.size(); ++i) {
      if (pos > path.size()) {
        ok = false;
        break;
      }
      std::size_t slash = path.find('/', pos);
      std::size_t end = slash == std::string_view::npos ? path.size() : slash;
      std::string_view seg = path.substr(pos, end - pos);
      const std::string& want = p->segments[i];
      if (is_param(want) ? seg.empty() : seg != want) {
        ok = false;
        break;
      }
      pos = end + 1;  // past the '/' (or past the end when there is none)
    }
    if (!ok || pos != path.size() + 1) continue;  // fewer or more segments than the pattern
    req.path_params.clear();
    pos = 1;
    for (const std::string& want : p->segments) {
      std::size_t slash = path.find('/', pos);
      std::size_t end = slash == std::string_view::npos ? path.size() : slash;
      if (is_param(want)) {
        req.path_params.emplace_back(want.substr(1, want.size() - 2),
                                     std::string(path.substr(pos, end - pos)));
      }
      pos = end + 1;
    }
    return p.get();
  }
  return nullptr;
}

Router::Match Router::match(Request& req) const {
  const PathEntry* e = find(req);
  if (e == nullptr) return Match{kUnmatched, &not_found(), nullptr};
  auto m = e->methods.find(req.method);
  if (m == e->methods.end() && req.method == "HEAD") m = e->methods.find("GET");
  if (m == e->methods.end()) return Match{e->index, &e->not_allowed, nullptr};
  if (m->second.async_handler) return Match{e->index, nullptr, &m->second.async_handler};
  return Match{e->index, &m->second.handler, nullptr};
}

Response Router::route(const Request& req) const {
  Request copy = req;
  Match m = match(copy);
  if (m.handler != nullptr) return (*m.handler)(copy);
  // Shared, not on this stack: the sink may still be returning when get() wakes up here.
  auto promise = std::make_shared<std::promise<Response>>();
  std::future<Response> future = promise->get_future();
  {
    Responder respond([promise](Response res) { promise->set_value(std::move(res)); });
    try {
      (*m.async_handler)(std::move(copy), respond);
    } catch (...) {
      respond(handler_failed());
    }
  }
  return future.get();
}

Handler Router::handler() const {
  return [this](const Request& req) { return route(req); };
}

}  // namespace tessera::http
