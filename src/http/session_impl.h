// Internal to src/http: the request loop, a template over the stream (plain TCP or TLS) so the
// HTTP logic is written once. Included by session.cc and tls.cc only.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include "http/problem.h"
#include "http/session.h"

namespace tessera::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Completion token: errors come back as values (ec first), never as exceptions.
inline constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// The status to answer a failed request read with (400, 413, 431), or 0 when there is nobody
// to answer: the peer closed, the read timed out, or the server is shutting down.
int status_for_read_error(const beast::error_code& ec);

// The error response for a request that could not be read or is unacceptable (400/413/431).
BeastResponse error_message(int status, const ServerLimits& limits);

// A fully read request that HTTP/1.1 still forbids (RFC 9112 section 3.2: exactly one Host);
// 0 if acceptable.
int status_for_request(const BeastRequest& msg);

// True when the client waits for "100 Continue" before sending its body (RFC 9110 10.1.1).
bool wants_continue(const BeastRequest& msg);

Request to_request(BeastRequest&& msg, std::string remote);

// The handler's response; 500 problem+json if it throws or returns an impossible status.
Response call_handler(const Handler& handler, const Request& req) noexcept;

// Starts the async handler on this coroutine's executor and waits, without holding the thread,
// for its Responder: the response; 500 if it throws before answering, drops its responder or
// answers an impossible status; 503 if it does not answer within limits.handler_timeout (a
// later answer is then dropped safely).
boost::asio::awaitable<Response> call_async(const AsyncHandler& handler, Request req,
                                            const SessionContext& ctx);

// The handler the server runs for `req` (the router's match, or the single handler).
Router::Match dispatch(const SessionContext& ctx, Request& req);

// The wire message: the server's default headers added, Content-Length set, Connection set
// from keep_alive, and no body for a HEAD request (but the GET's Content-Length).
BeastResponse to_message(Response&& res, unsigned version, bool keep_alive, bool head);

// How the caller should close the connection once serve_requests returns.
enum class Close {
  kQuiet,   // the peer closed, went silent or was idle: nothing more will be read
  kLinger,  // we ended the exchange (an error, "Connection: close"): the peer may still send
};

// Reads and answers requests until the connection should close; the caller closes it.
//   stream: what HTTP bytes go through (tcp itself, or a TLS stream over it);
//   tcp:    the TCP layer, for timeouts.
template <class Stream>
boost::asio::awaitable<Close> serve_requests(Stream& stream, beast::tcp_stream& tcp,
                                             Connection& conn, const SessionContext& ctx,
                                             std::string remote) {
  const ServerLimits& limits = ctx.limits;
  beast::flat_buffer buffer;
  for (;;) {
    // 1. Idle: wait (keep-alive timeout) for the next request's first byte. A graceful
    //    shutdown cancels this wait; it never interrupts a request once begun.
    if (buffer.size() == 0) {
      if (ctx.stopping.load()) co_return Close::kQuiet;
      conn.idle = true;
      tcp.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kNoThrow);
      conn.idle = false;
      if (ec) co_return Close::kQuiet;
      buffer.commit(n);
    }

    // 2. The header, then the body, each bounded by the limits, together by the read timeout.
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    tcp.expires_after(limits.read_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
    if (!ec && wants_continue(parser.get())) {
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
      std::tie(ec, n) = co_await bhttp::async_write(stream, go_on, kNoThrow);
      if (ec) co_return Close::kQuiet;
    }
    if (!ec) std::tie(ec, n) = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
    int refused = ec ? status_for_read_error(ec) : status_for_request(parser.get());
    if (ec || refused != 0) {
      // The stream cannot be trusted to be at a message boundary: answer if anyone listens,
      // then close.
      if (refused == 0) co_return Close::kQuiet;
      if (ctx.metrics != nullptr) {
        std::string_view method = parser.is_header_done() ? parser.get().method_string() : "";
        ctx.metrics->observe_request(Router::kUnmatched, method, refused, {});
      }
      BeastResponse msg = error_message(refused, limits);
      tcp.expires_after(limits.write_timeout);
      co_await bhttp::async_write(stream, msg, kNoThrow);
      co_return Close::kLinger;
    }

    // 3. Handle: a plain function call, or an async handler awaited without blocking this
    //    thread; nothing thrown gets past call_handler/call_async.
    const auto started = std::chrono::steady_clock::now();
    const bool head = parser.get().method() == bhttp::verb::head;
    const unsigned version = parser.get().version();
    const bool client_keep_alive = parser.get().keep_alive();
    Request req = to_request(parser.release(), remote);
    const Router::Match route = dispatch(ctx, req);
    const std::string method = req.method;
    Response res;
    if (route.async_handler != nullptr) {
      res = co_await call_async(*route.async_handler, std::move(req), ctx);
    } else {
      res = call_handler(*route.handler, req);
    }
    if (ctx.metrics != nullptr) {
      ctx.metrics->observe_request(route.route, method, res.status,
                                   std::chrono::steady_clock::now() - started);
    }

    // 4. Respond; close after it if the client asked to, or the server is shutting down.
    const bool keep_alive = client_keep_alive && !ctx.stopping.load();
    BeastResponse msg = to_message(std::move(res), version, keep_alive, head);
    tcp.expires_after(limits.write_timeout);
    std::tie(ec, n) = co_await bhttp::async_write(stream, msg, kNoThrow);
    if (ec) co_return Close::kQuiet;
    if (!keep_alive) co_return Close::kLinger;
  }
}

}  // namespace tessera::http::detail
