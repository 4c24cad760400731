// Internal to src/http: the request loop, a template over the stream (plain TCP or TLS) so the
// HTTP logic is written once. Included by session.cc and tls.cc only.
#pragma once

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include "http/problem.h"
#include "http/response_head.h"
#include "http/session.h"

namespace tessera::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Completion token: errors come back as values (ec first), never as exceptions.
inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

using BeastRequest = bhttp::request<bhttp::string_body>;
using RequestParser = bhttp::request_parser<bhttp::string_body>;

// Feeds the bytes `buffer` already holds to `parser` (consuming them) without any I/O, up to
// the end of the header, then of the body once the header is done; stops when it needs more
// bytes (no error) or the bytes are not acceptable HTTP/1.1 (the parser's error, as
// async_read_header/async_read would report it). Most requests arrive in one segment: this
// parses them without a round through the scheduler for each await.
beast::error_code parse_buffered(RequestParser& parser, beast::flat_buffer& buffer);

// The status to answer a failed request read with (400, 413, 431), or 0 when there is nobody
// to answer: the peer closed, the read timed out, or the server is shutting down.
int status_for_read_error(const beast::error_code& ec);

// The error response for a request that could not be read or is unacceptable (400/413/431).
Response error_response(int status, const ServerLimits& limits);

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
asio::awaitable<Response> call_async(const AsyncHandler& handler, Request req,
                                     const SessionContext& ctx);

// The handler the server runs for `req` (the router's match, or the single handler).
Router::Match dispatch(const SessionContext& ctx, Request& req);

// The buffers that write `res` framed as `framing` says (response_head.h), for one gather
// write: the head, formatted into `head`, then the body. They point into `res` and `head`.
std::array<asio::const_buffer, 2> response_buffers(const Response& res, Framing framing,
                                                   std::string& head);

// How the caller should close the connection once serve_requests returns.
enum class Close {
  kQuiet,   // the peer closed, went silent or was idle: nothing more will be read
  kLinger,  // we ended the exchange (an error, "Connection: close"): the peer may still send
};

// Reads and answers requests on `stream` (a tcp::socket, or a TLS stream over one) until the
// connection should close; the caller closes it. Each phase sets conn's deadline.
template <class Stream>
asio::awaitable<Close> serve_requests(Stream& stream, Connection& conn, const SessionContext& ctx,
                                      std::string remote) {
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
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kNoThrow);
      conn.idle = false;
      if (ec) co_return Close::kQuiet;
      buffer.commit(n);
    }

    // 2. The header, then the body, each bounded by the limits, together by the read timeout.
    //    What is already buffered is parsed first; the reads below only wait for the rest.
    RequestParser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    conn.expires_after(limits.read_timeout);
    beast::error_code ec = parse_buffered(parser, buffer);
    if (!ec && !parser.is_header_done()) {
      std::tie(ec, std::ignore) =
          co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
    }
    if (!ec && !parser.is_done() && wants_continue(parser.get())) {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, asio::buffer(kContinue), kNoThrow);
      if (ec) co_return Close::kQuiet;
    }
    if (!ec && !parser.is_done()) {
      std::tie(ec, std::ignore) = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
    }
    int refused = ec ? status_for_read_error(ec) : status_for_request(parser.get());
    if (ec || refused != 0) {
      // The stream cannot be trusted to be at a message boundary: answer if anyone listens,
      // then close.
      if (refused == 0) co_return Close::kQuiet;
      if (ctx.metrics != nullptr) {
        std::string_view method = parser.is_header_done() ? parser.get().method_string() : "";
        ctx.metrics->observe_request(Router::kUnmatched, method, refused, {});
      }
      const Response res = error_response(refused, limits);
      conn.expires_after(limits.write_timeout);
      const Framing framing{11, /*keep_alive=*/false, /*head=*/false};
      co_await asio::async_write(stream, response_buffers(res, framing, head), kNoThrow);
      co_return Close::kLinger;
    }

    // 3. Handle: a plain function call, or an async handler awaited without blocking this
    //    thread; nothing thrown gets past call_handler/call_async. No deadline meanwhile: a
    //    sync handler cannot be interrupted, an async one has its own (handler_timeout).
    conn.expires_never();
    const auto started = std::chrono::steady_clock::now();
    const bool head_request = parser.get().method() == bhttp::verb::head;
    const unsigned version = parser.get().version();
    const bool client_keep_alive = parser.get().keep_alive();
    Request req = to_request(parser.release(), remote);
    const Router::Match route = dispatch(ctx, req);
    Response res;
    if (route.async_handler != nullptr) {
      std::string method = req.method;  // for the metrics: req is moved into the call
      res = co_await call_async(*route.async_handler, std::move(req), ctx);
      req.method = std::move(method);
    } else {
      res = call_handler(*route.handler, req);
    }
    if (ctx.metrics != nullptr) {
      ctx.metrics->observe_request(route.route, req.method, res.status,
                                   std::chrono::steady_clock::now() - started);
    }

    // 4. Respond; close after it if the client asked to, or the server is shutting down.
    const bool keep_alive = client_keep_alive && !ctx.stopping.load();
    conn.expires_after(limits.write_timeout);
    const Framing framing{version, keep_alive, head_request};
    std::tie(ec, std::ignore) =
        co_await asio::async_write(stream, response_buffers(res, framing, head), kNoThrow);
    if (ec) co_return Close::kQuiet;
    if (!keep_alive) co_return Close::kLinger;
  }
}

}  // namespace tessera::http::detail
