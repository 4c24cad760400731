// Internal to src/http: the bytes of a response's status line and header fields, written into a
// buffer the connection reuses, so a response costs one string append per field and one gather
// write (head, body) instead of a Beast message and its serializer.
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"

namespace tessera::http::detail {

// How the server frames one response, from the request it answers.
struct Framing {
  unsigned version = 11;  // the request's HTTP version, 10 or 11; the response uses the same
  bool keep_alive = true;
  bool head = false;  // a HEAD request: no body, but the GET's Content-Length
  // Field lines ("Name: value\r\n" each) the server adds to every response on this
  // connection: Strict-Transport-Security over TLS (server.h).
  std::string_view connection_fields;
  std::string_view request_id;  // sent as X-Request-Id when not empty (http/request_id.h)
  // The body is an event stream (Response::stream): no Content-Length, since the body ends
  // with the connection. REQUIRES: !keep_alive.
  bool streamed = false;
};

// Writes `res`'s head into `out` (cleared first; its capacity is kept for the next response)
// and returns the body bytes to send after it (a view into `res.body`, or empty):
//   - the handler's fields in order, except the framing ones (Content-Length,
//     Transfer-Encoding, Connection), X-Content-Type-Options, Strict-Transport-Security and
//     X-Request-Id, which the server sets, and
//     except fields whose name is not a token or whose value holds CR, LF or NUL (response
//     splitting, RFC 9110 section 5.5): those are dropped and logged;
//   - Cache-Control: no-store and Date unless the handler set them; X-Content-Type-Options:
//     nosniff always; X-Request-Id: framing.request_id; then framing.connection_fields;
//   - Connection from keep_alive (HTTP/1.1: "close" when not; HTTP/1.0: "keep-alive" when so);
//   - Content-Length of the body, also for HEAD; none, and no body, for 204 and 304 (RFC 9110
//     sections 8.6 and 6.4.1); none, and the body so far, when framing.streamed.
// REQUIRES: 200 <= res.status <= 599 (call_handler and call_async guarantee it).
std::string_view format_response(const Response& res, Framing framing, std::string& out);

// The interim response to "Expect: 100-continue" (RFC 9110 section 10.1.1).
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace tessera::http::detail
