// Internal to src/http: the request loop, a template over the stream (plain TCP or TLS) so the
// HTTP logic is written once. Included by session.cc and tls.cc only.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "http/log.h"
#include "http/problem.h"
#include "http/request_id.h"
#include "http/request_reader.h"
#include "http/response_head.h"
#include "http/session.h"

namespace tessera::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Completion token: errors come back as values (ec first), never as exceptions.
inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Bytes asked of the socket per read: a typical request in one read, a 64 KiB body in four.
inline constexpr std::size_t kReadSize = 16 * 1024;

// True when the client waits for "100 Continue" before sending its body (RFC 9110 10.1.1).
bool wants_continue(const BeastRequest& msg);

Request to_request(BeastRequest&& msg, std::string remote);

// The handler's response; 500 problem+json if it throws or returns an impossible status.
// The handler runs with req.request_id as the thread's request id (base/log_context.h).
Response call_handler(const Handler& handler, const Request& req) noexcept;

// Starts the async handler on this coroutine's executor and waits, without holding the thread,
// for its Responder: the response; 500 if it throws before answering, drops its responder or
// answers an impossible status; 503 if it does not answer within limits.handler_timeout (a
// later answer is then dropped safely). The handler's synchronous part runs with
// req.request_id as the thread's request id; what it hands to other threads carries it itself.
asio::awaitable<Response> call_async(const AsyncHandler& handler, Request req,
                                     const SessionContext& ctx);

// At debug level, the access log line of one answered request: method, route (the pattern,
// never the path: it may hold ids), status, duration_ms, request_id. Nothing at other levels.
void log_access(const SessionContext& ctx, const Router::Match& route, const Request& req,
                int status, std::chrono::steady_clock::duration elapsed);

// The handler the server runs for `req` (the router's match, or the single handler).
Router::Match dispatch(const SessionContext& ctx, Request& req);

// The buffers that write `res` framed as `framing` says (response_head.h), for one gather
// write: the head, formatted into `head`, then the body. They point into `res` and `head`.
std::array<asio::const_buffer, 2> response_buffers(const Response& res, Framing framing,
                                                   std::string& head);

// A coroutine that waits on a timer in its frame, woken from other threads (an async
// handler's responder, an event stream's waker): they cancel the timer on the coroutine's
// strand. It holds no Asio object, because a waker may keep it alive after the io_context is
// gone, and a timer or a strand executor must not outlive their io_context: `executor` and
// `timer` point into the frame while it exists (FrameHook).
struct WakeTarget {
  std::mutex mu;
  const asio::any_io_executor* executor = nullptr;  // guarded by mu
  asio::steady_timer* timer = nullptr;              // guarded by mu
};

// Publishes the frame's executor and timer to a WakeTarget for the frame's lifetime, however
// it ends (normally, or destroyed with the io_context).
class FrameHook {
 public:
  FrameHook(WakeTarget& target, const asio::any_io_executor& executor, asio::steady_timer& timer);
  ~FrameHook();
  FrameHook(const FrameHook&) = delete;
  FrameHook& operator=(const FrameHook&) = delete;

 private:
  WakeTarget& target_;
};

// Cancels `target`'s timer on its strand, if its frame and the server still exist. Any
// thread. A wake that comes before the frame waits is lost: the waiter checks its own
// condition (set before this call) before each wait.
void wake(const std::shared_ptr<WakeTarget>& target, Liveness& live);

// How the caller should close the connection once serve_requests returns.
enum class Close {
  kQuiet,   // the peer closed, went silent or was idle: nothing more will be read
  kLinger,  // we ended the exchange (an error, "Connection: close"): the peer may still send
};

// An event stream's flag for its waker: set before the wake, cleared by the sender before
// each pull.
struct StreamWake : WakeTarget {
  std::atomic<bool> pending{true};  // the first pull happens at once
};

// How often a waiting event stream looks at ctx.stopping: the bound on how long it delays a
// graceful shutdown.
inline constexpr std::chrono::seconds kStreamStopCheck{1};

// Sends `events` (http/event_stream.h) after the head already written, until it ends, a write
// fails or outlasts limits.write_timeout, or the server stops. Between writes the connection
// has no deadline: the stream is the one waiting.
template <class Stream>
asio::awaitable<Close> send_event_stream(Stream& stream, Connection& conn,
                                         const SessionContext& ctx, EventStream& events) {
  using Clock = std::chrono::steady_clock;
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  auto target = std::make_shared<StreamWake>();
  asio::steady_timer timer(executor);
  const FrameHook hook(*target, executor, timer);
  events.set_waker([target, live = ctx.liveness] {
    target->pending.store(true, std::memory_order_release);
    wake(target, *live);
  });
  Clock::time_point last_write = Clock::now();
  for (;;) {
    EventStream::Chunk chunk;
    const bool keep_alive_due = Clock::now() - last_write >= kEventStreamKeepAlive;
    // Pulled when woken, and when silent that long (a stream may end on a clock of its own).
    if (target->pending.exchange(false, std::memory_order_acq_rel) || keep_alive_due) {
      chunk = events.pull();
    }
    if (chunk.text.empty() && !chunk.done && keep_alive_due) chunk.text = ": keep-alive\n\n";
    if (!chunk.text.empty()) {
      conn.expires_after(ctx.limits.write_timeout);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(chunk.text), kNoThrow);
      conn.expires_never();
      if (ec) co_return Close::kQuiet;
      last_write = Clock::now();
    }
    if (chunk.done) co_return Close::kLinger;
    // A client of a stream sends nothing after its request: nothing to linger for.
    if (ctx.stopping.load()) co_return Close::kQuiet;
    if (target->pending.load(std::memory_order_acquire)) continue;
    const auto keep_alive_in = last_write + kEventStreamKeepAlive - Clock::now();
    timer.expires_after(std::min<Clock::duration>(kStreamStopCheck, keep_alive_in));
    co_await timer.async_wait(kNoThrow);  // woken early by the waker, or the period ends
  }
}

// Reads and answers requests on `stream` (a tcp::socket, or a TLS stream over one) until the
// connection should close; the caller closes it. Each phase sets conn's deadline. Every
// response carries `connection_fields` (Framing::connection_fields).
template <class Stream>
asio::awaitable<Close> serve_requests(Stream& stream, Connection& conn, const SessionContext& ctx,
                                      std::string remote, std::string_view connection_fields) {
  const ServerLimits& limits = ctx.limits;
  beast::flat_buffer buffer;
  std::string head;  // each response's head, formatted in place: reused, not reallocated
  head.reserve(512);
  for (;;) {
    // 1. Idle: wait (keep-alive timeout) for the next request's first byte. A graceful
    //    shutdown cancels this wait; it never interrupts a request once begun.
    if (buffer.size() == 0) {
      if (ctx.stopping.load()) co_return Close::kQuiet;
      conn.idle = true;
      conn.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadSize), kNoThrow);
      conn.idle = false;
      if (ec) co_return Close::kQuiet;
      buffer.commit(n);
    }

    // 2. The header, then the body, together bounded by the read timeout, each by its limit
    //    (request_reader.h). What is already buffered is parsed first; reads only wait for
    //    the rest. A refused request is answered, then the connection closes: the stream
    //    cannot be trusted to be at a message boundary, so nothing after it is read.
    RequestReader reader(limits);
    conn.expires_after(limits.read_timeout);
    RequestReader::Step step;
    while ((step = reader.advance(buffer)) != RequestReader::Step::kComplete &&
           step != RequestReader::Step::kRefused) {
      if (step == RequestReader::Step::kHeader) {
        if (!wants_continue(reader.header())) continue;
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(kContinue), kNoThrow);
        if (ec) co_return Close::kQuiet;
        continue;
      }
      // The peer closed, the read timed out or the server is stopping: nobody to answer.
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kReadSize), kNoThrow);
      if (ec) co_return Close::kQuiet;
      buffer.commit(n);
    }
    if (step == RequestReader::Step::kRefused) {
      const Refusal& refusal = reader.refusal();
      if (ctx.metrics != nullptr) {
        std::string_view method = reader.header_done() ? reader.header().method_string() : "";
        ctx.metrics->observe_request(Router::kUnmatched, method, refusal.status, {});
      }
      const Response res = problem(refusal.status, refusal.code, refusal.detail);
      const std::string request_id = new_request_id();  // its headers are not to be trusted
      conn.expires_after(limits.write_timeout);
      const Framing framing{11, /*keep_alive=*/false, /*head=*/false, connection_fields,
                            request_id};
      co_await asio::async_write(stream, response_buffers(res, framing, head), kNoThrow);
      co_return Close::kLinger;
    }
    BeastRequest msg = reader.release();

    // 3. Handle: a plain function call, or an async handler awaited without blocking this
    //    thread; nothing thrown gets past call_handler/call_async. No deadline meanwhile: a
    //    sync handler cannot be interrupted, an async one has its own (handler_timeout).
    conn.expires_never();
    const auto started = std::chrono::steady_clock::now();
    const bool head_request = msg.method() == bhttp::verb::head;
    const unsigned version = msg.version();
    const bool client_keep_alive = msg.keep_alive();
    Request req = to_request(std::move(msg), remote);
    req.request_id = request_id_for(req, ctx.trusted_proxies);
    const Router::Match route = dispatch(ctx, req);
    Response res;
    if (route.async_handler != nullptr) {
      // For the metrics, the log and the response: req is moved into the call.
      std::string method = req.method, request_id = req.request_id;
      res = co_await call_async(*route.async_handler, std::move(req), ctx);
      req.method = std::move(method);
      req.request_id = std::move(request_id);
    } else {
      res = call_handler(*route.handler, req);
    }
    if (ctx.metrics != nullptr || log_enabled(LogLevel::kDebug)) {
      const auto elapsed = std::chrono::steady_clock::now() - started;
      if (ctx.metrics != nullptr) {
        ctx.metrics->observe_request(route.route, req.method, res.status, elapsed);
      }
      log_access(ctx, route, req, res.status, elapsed);
    }

    // 4. Respond; close after it if the client asked to, or the server is shutting down, or
    //    the body is an event stream (it ends with the connection).
    const bool streamed =
        res.stream != nullptr && !head_request && res.status != 204 && res.status != 304;
    const bool keep_alive = !streamed && client_keep_alive && !ctx.stopping.load();
    conn.expires_after(limits.write_timeout);
    const Framing framing{version,           keep_alive,     head_request,
                          connection_fields, req.request_id, streamed};
    auto [ec, n] =
        co_await asio::async_write(stream, response_buffers(res, framing, head), kNoThrow);
    if (ec) co_return Close::kQuiet;
    if (streamed) co_return co_await send_event_stream(stream, conn, ctx, *res.stream);
    if (!keep_alive) co_return Close::kLinger;
  }
}

}  // namespace tessera::http::detail
