#include "http/session.h"

#include <array>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <shared_mutex>

#include "base/log_context.h"
#include "http/log.h"
#include "http/session_impl.h"

namespace tessera::http::detail {

using asio::ip::tcp;

namespace {

// Closing with unread bytes in the socket makes the kernel send RST, which can destroy our last
// response before the client reads it (say, the 413 for a 70 KiB body still arriving). So when
// the peer may still be sending (Close::kLinger), shut down our side, then read and discard,
// within these bounds, until the peer closes: a "lingering close", as nginx and Apache do.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::size_t kLingerBytes = 1 << 20;

asio::awaitable<void> close_connection(tcp::socket& socket, Connection& conn, Close how) {
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  if (!ec && how == Close::kLinger) {
    conn.expires_after(kLingerTime);
    std::array<char, 16 * 1024> sink;
    for (std::size_t total = 0; total < kLingerBytes;) {
      auto [rec, n] = co_await socket.async_read_some(asio::buffer(sink), kNoThrow);
      if (rec) break;
      total += n;
    }
  }
  socket.close(ec);
}

}  // namespace

std::string remote_address(const tcp::socket& socket) {
  beast::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

asio::awaitable<void> serve_plain(tcp::socket socket, std::shared_ptr<Connection> conn,
                                  const SessionContext& ctx) {
  ConnectionGuard guard(*conn, socket);
  Close how = co_await serve_requests(socket, *conn, ctx, remote_address(socket), "");
  co_await close_connection(socket, *conn, how);
}

bool wants_continue(const BeastRequest& msg) {
  return msg.version() >= 11 && iequals(msg[bhttp::field::expect], "100-continue");
}

Request to_request(BeastRequest&& msg, std::string remote) {
  Request req;
  req.method = msg.method_string();
  req.target = msg.target();
  std::tie(req.path, req.query) = split_target(req.target);
  std::size_t fields = 0;
  for (auto it = msg.begin(); it != msg.end(); ++it) ++fields;
  req.headers.reserve(fields);
  for (const auto& field : msg)
    req.headers.add(std::string(field.name_string()), std::string(field.value()));
  req.body = std::move(msg.body());
  req.remote_address = std::move(remote);
  return req;
}

Response call_handler(const Handler& handler, const Request& req) noexcept {
  const base::RequestIdScope scope(req.request_id);
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
    return problem(500, codes::kInternalError, "the server failed to handle this request");
  } catch (...) {  // out of memory while reporting: answer with what needs no allocation
    Response bare;
    bare.status = 500;
    return bare;
  }
}

void log_access(const SessionContext& ctx, const Router::Match& route, const Request& req,
                int status, std::chrono::steady_clock::duration elapsed) {
  if (!log_enabled(LogLevel::kDebug)) return;
  std::string pattern = "unmatched";
  if (ctx.router != nullptr && route.route < ctx.router->paths().size()) {
    pattern = ctx.router->paths()[route.route];
  }
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", static_cast<double>(micros) / 1000.0);
  log_event(LogLevel::kDebug, "request",
            {{"method", req.method},
             {"route", std::move(pattern)},
             {"status", std::to_string(status)},
             {"duration_ms", duration},
             {"request_id", req.request_id}});
}

Router::Match dispatch(const SessionContext& ctx, Request& req) {
  if (ctx.router != nullptr) return ctx.router->match(req);
  return Router::Match{Router::kUnmatched, ctx.handler, nullptr};
}

namespace {

// One async request in flight, shared by the waiting coroutine and the responder's sink.
// `claimed` decides who completes it: the responder (its response) or the timeout (503).
struct AsyncCall : WakeTarget {
  std::atomic<bool> claimed{false};
  std::atomic<bool> ready{false};  // `response` is written (release) before this is set
  Response response;
};

}  // namespace

FrameHook::FrameHook(WakeTarget& target, const asio::any_io_executor& executor,
                     asio::steady_timer& timer)
    : target_(target) {
  std::lock_guard lock(target_.mu);
  target_.executor = &executor;
  target_.timer = &timer;
}

FrameHook::~FrameHook() {
  std::lock_guard lock(target_.mu);
  target_.executor = nullptr;
  target_.timer = nullptr;
}

void wake(const std::shared_ptr<WakeTarget>& target, Liveness& live) {
  // Lock order: liveness, then the target.
  std::shared_lock live_lock(live.mu);
  if (!live.alive) return;  // the server is going: nobody waits any more
  std::lock_guard lock(target->mu);
  if (target->executor == nullptr) return;  // the coroutine is gone
  asio::post(*target->executor, [target] {
    std::lock_guard wake_lock(target->mu);
    if (target->timer != nullptr) target->timer->cancel();
  });
}

asio::awaitable<Response> call_async(const AsyncHandler& handler, Request req,
                                     const SessionContext& ctx) {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  auto call = std::make_shared<AsyncCall>();
  asio::steady_timer timer(executor);
  timer.expires_after(ctx.limits.handler_timeout);
  FrameHook hook(*call, executor, timer);
  const std::string method = req.method, path = req.path, request_id = req.request_id;
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
      wake(call, *live);
    });
    std::string what;
    try {
      const base::RequestIdScope scope(request_id);  // the synchronous part only: no co_await
      handler(std::move(req), respond);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "unknown exception";
    }
    if (!what.empty() && !respond.answered()) {
      log_event(LogLevel::kError, "handler failed",
                {{"method", method}, {"path", path}, {"error", what}, {"request_id", request_id}});
      respond(problem(500, codes::kInternalError, "the server failed to handle this request"));
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
                 {"timeout_ms", std::to_string(ctx.limits.handler_timeout.count())},
                 {"request_id", request_id}});
      co_return problem(503, codes::kTimeout, "the server could not answer in time; try again");
    }
    // The responder claimed it just now and is storing its response: its post wakes us.
    timer.expires_at(asio::steady_timer::time_point::max());
  }
  Response res = std::move(call->response);
  if (res.status < 200 || res.status > 599) {
    log_event(LogLevel::kError, "handler failed",
              {{"method", method},
               {"path", path},
               {"error", "handler returned status " + std::to_string(res.status)},
               {"request_id", request_id}});
    co_return problem(500, codes::kInternalError, "the server failed to handle this request");
  }
  co_return res;
}

std::array<asio::const_buffer, 2> response_buffers(const Response& res, Framing framing,
                                                   std::string& head) {
  const std::string_view body = format_response(res, framing, head);
  return {asio::buffer(head), asio::buffer(body)};
}

}  // namespace tessera::http::detail
