#include "http/session.h"

#include <array>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <mutex>
#include <shared_mutex>

#include "http/log.h"
#include "http/session_impl.h"

namespace tessera::http::detail {
namespace {

namespace asio = boost::asio;

// Closing with unread bytes in the socket makes the kernel send RST, which can destroy our last
// response before the client reads it (say, the 413 for a 70 KiB body still arriving). So when
// the peer may still be sending (Close::kLinger), shut down our side, then read and discard,
// within these bounds, until the peer closes: a "lingering close", as nginx and Apache do.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::size_t kLingerBytes = 1 << 20;

asio::awaitable<void> close_connection(beast::tcp_stream& tcp, Close how) {
  beast::error_code ec;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (!ec && how == Close::kLinger) {
    tcp.expires_after(kLingerTime);
    std::array<char, 16 * 1024> sink;
    for (std::size_t total = 0; total < kLingerBytes;) {
      auto [rec, n] = co_await tcp.async_read_some(asio::buffer(sink), kNoThrow);
      if (rec) break;
      total += n;
    }
  }
  tcp.socket().close(ec);
}

// Header fields the server sets from the message itself.
bool framing_field(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection");
}

// A name that is a token and a value without CR, LF or NUL (RFC 9110 section 5.5).
bool safe_field(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The Date field value for now (RFC 9110 section 6.6.1), formatted once per second per thread.
const std::string& date_now() {
  thread_local std::int64_t cached_second = -1;
  thread_local std::string cached;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (now != cached_second) {
    cached = http_date(now);
    cached_second = now;
  }
  return cached;
}

}  // namespace

std::string remote_address(beast::tcp_stream& tcp) {
  beast::error_code ec;
  auto ep = tcp.socket().remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

asio::awaitable<void> serve_plain(beast::tcp_stream tcp, std::shared_ptr<Connection> conn,
                                  const SessionContext& ctx) {
  ConnectionGuard guard(*conn, tcp);
  Close how = co_await serve_requests(tcp, tcp, *conn, ctx, remote_address(tcp));
  co_await close_connection(tcp, how);
}

int status_for_read_error(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return 0;  // a socket error, a timeout or a cancellation: nobody to answer
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
  return 400;  // the bytes are not HTTP/1.1 (bad method, target, version, field, framing...)
}

BeastResponse error_message(int status, const ServerLimits& limits) {
  std::string detail = "malformed HTTP request";
  if (status == 413) {
    detail = "request body is larger than " + std::to_string(limits.max_body_bytes) + " bytes";
  } else if (status == 431) {
    detail = "request header is larger than " + std::to_string(limits.max_header_bytes) + " bytes";
  }
  return to_message(problem(status, detail), 11, /*keep_alive=*/false, /*head=*/false);
}

int status_for_request(const BeastRequest& msg) {
  if (msg.version() >= 11 && msg.count(bhttp::field::host) != 1) return 400;
  return 0;
}

bool wants_continue(const BeastRequest& msg) {
  return msg.version() >= 11 && iequals(msg[bhttp::field::expect], "100-continue");
}

Request to_request(BeastRequest&& msg, std::string remote) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  std::tie(req.path, req.query) = split_target(req.target);
  for (const auto& field : msg) {
    req.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  req.body = std::move(msg.body());
  req.remote_address = std::move(remote);
  return req;
}

Response call_handler(const Handler& handler, const Request& req) noexcept {
  std::string what;
  try {
    Response res = handler(req);
    if (res.status >= 200 && res.status <= 599) return res;
    what = "handler returned status " + std::to_string(res.status);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  try {
    log_event(LogLevel::kError, "handler failed",
              {{"method", req.method}, {"path", req.path}, {"error", what}});
    return problem(500, "the server failed to handle this request");
  } catch (...) {  // out of memory while reporting: answer with what needs no allocation
    Response bare;
    bare.status = 500;
    return bare;
  }
}

Router::Match dispatch(const SessionContext& ctx, Request& req) {
  if (ctx.router != nullptr) return ctx.router->match(req);
  return Router::Match{Router::kUnmatched, ctx.handler, nullptr};
}

namespace {

// One async request in flight, shared by the waiting coroutine and the responder's sink.
// `claimed` decides who completes it: the responder (its response) or the timeout (503).
//
// It holds no Asio object: the sink may keep it alive after the io_context is gone, and a
// timer or a strand executor must not outlive their io_context. The coroutine's executor and
// timer live in its frame; `executor` and `timer` point at them while the frame exists.
struct AsyncCall {
  std::mutex mu;
  const asio::any_io_executor* executor = nullptr;  // guarded by mu
  asio::steady_timer* timer = nullptr;              // guarded by mu
  std::atomic<bool> claimed{false};
  std::atomic<bool> ready{false};  // `response` is written (release) before this is set
  Response response;
};

// Publishes the frame's executor and timer to the AsyncCall for the frame's lifetime, however
// it ends (normally, or destroyed with the io_context).
class FrameHook {
 public:
  FrameHook(AsyncCall& call, const asio::any_io_executor& executor, asio::steady_timer& timer)
      : call_(call) {
    std::lock_guard lock(call_.mu);
    call_.executor = &executor;
    call_.timer = &timer;
  }
  ~FrameHook() {
    std::lock_guard lock(call_.mu);
    call_.executor = nullptr;
    call_.timer = nullptr;
  }
  FrameHook(const FrameHook&) = delete;
  FrameHook& operator=(const FrameHook&) = delete;

 private:
  AsyncCall& call_;
};

}  // namespace

asio::awaitable<Response> call_async(const AsyncHandler& handler, Request req,
                                     const SessionContext& ctx) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  auto call = std::make_shared<AsyncCall>();
  asio::steady_timer timer(executor);
  timer.expires_after(ctx.limits.handler_timeout);
  FrameHook hook(*call, executor, timer);
  const std::string method = req.method, path = req.path;
  {
    // The sink may run on any thread, at any time, even after this coroutine is gone: it
    // holds the call and the liveness, never the connection.
    Responder respond([call, live = ctx.liveness](Response res) {
      if (call->claimed.exchange(true, std::memory_order_acq_rel)) {
        log_event(LogLevel::kWarn, "async handler answered after the timeout; answer dropped",
                  {{"status", std::to_string(res.status)}});
        return;
      }
      call->response = std::move(res);
      call->ready.store(true, std::memory_order_release);
      // Wake the coroutine on its strand. Lock order: liveness, then the call.
      std::shared_lock live_lock(live->mu);
      if (!live->alive) return;  // the server is going: nobody waits any more
      std::lock_guard lock(call->mu);
      if (call->executor == nullptr) return;  // the coroutine is gone
      asio::post(*call->executor, [call] {
        std::lock_guard wake_lock(call->mu);
        if (call->timer != nullptr) call->timer->cancel();
      });
    });
    std::string what;
    try {
      handler(std::move(req), respond);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "unknown exception";
    }
    if (!what.empty() && !respond.answered()) {
      log_event(LogLevel::kError, "handler failed",
                {{"method", method}, {"path", path}, {"error", what}});
      respond(problem(500, "the server failed to handle this request"));
    }
  }  // our copy of the responder goes: if it was the last unanswered one, that answers 500

  for (;;) {
    if (call->ready.load(std::memory_order_acquire)) break;
    auto [ec] = co_await timer.async_wait(kNoThrow);
    if (call->ready.load(std::memory_order_acquire)) break;
    if (ec == asio::error::operation_aborted) continue;  // woken early: keep the deadline
    if (!call->claimed.exchange(true, std::memory_order_acq_rel)) {
      log_event(LogLevel::kError, "async handler did not answer in time",
                {{"method", method},
                 {"path", path},
                 {"timeout_ms", std::to_string(ctx.limits.handler_timeout.count())}});
      co_return problem(503, "the server could not answer in time; try again");
    }
    // The responder claimed it just now and is storing its response: its post wakes us.
    timer.expires_at(asio::steady_timer::time_point::max());
  }
  Response res = std::move(call->response);
  if (res.status < 200 || res.status > 599) {
    log_event(LogLevel::kError, "handler failed",
              {{"method", method},
               {"path", path},
               {"error", "handler returned status " + std::to_string(res.status)}});
    co_return problem(500, "the server failed to handle this request");
  }
  co_return res;
}

BeastResponse to_message(Response&& res, unsigned version, bool keep_alive, bool head) {
  BeastResponse msg{static_cast<bhttp::status>(res.status), version};
  for (const auto& [name, value] : res.headers) {
    if (framing_field(name)) continue;  // the server frames the message itself
    if (!safe_field(name, value)) {     // response splitting: drop the field, tell the log
      log_event(LogLevel::kError, "handler set an invalid header field", {{"name", name}});
      continue;
    }
    msg.insert(name, value);
  }
  if (!res.headers.has("Cache-Control")) msg.set(bhttp::field::cache_control, "no-store");
  if (!res.headers.has("Date")) msg.set(bhttp::field::date, date_now());
  msg.set("X-Content-Type-Options", "nosniff");
  msg.body() = std::move(res.body);
  msg.keep_alive(keep_alive);
  msg.prepare_payload();  // Content-Length from the body (replaces any the handler set)
  if (head) msg.body().clear();
  return msg;
}

}  // namespace tessera::http::detail
