// Internal to src/http: reads one request from a connection's buffered bytes without doing any
// I/O ("sans-I/O"), so that the server's read loop (session_impl.h) and the fuzz target
// (tests/fuzz/fuzz_http_request.cc) run exactly the same parser, configuration and rules.
//
// Message framing is where a server and a proxy in front of it can disagree about where one
// request ends and the next begins (request smuggling). So a request is accepted only when its
// framing has one reading; everything else is refused (400/413/431) and, since the stream is then
// not known to be at a message boundary, the caller answers it and closes the connection: no
// byte after a refused request is ever parsed as a request. The rules (RFC 9112):
//   - request line and field lines end in CRLF: a bare CR or LF is refused (sections 2.2, 5);
//   - no whitespace between a field name and its colon (section 5.1); no obs-fold, i.e. no line
//     that starts with SP or HTAB, also none between the request line and the first field
//     (sections 2.2 and 5.2: rejecting is one of the two allowed answers, and the one that
//     cannot be read differently by the next hop);
//   - HTTP/1.1 requests carry exactly one Host (section 3.2);
//   - Transfer-Encoding: only HTTP/1.1, only in one field whose whole value is "chunked" (a
//     final coding other than chunked leaves the length unknown, section 6.3 item 4; we decode
//     no other coding, section 6.1; an HTTP/1.0 message with it is faulty, section 6.1), and
//     never together with Content-Length (section 6.3 item 3);
//   - Content-Length: one field holding one decimal number that fits 64 bits; no list, no
//     second field even with the same value (section 6.3 item 5; RFC 9110 section 8.6);
//   - chunked: hexadecimal sizes that fit 64 bits, no whitespace, well-formed chunk extensions
//     (ignored, section 7.1.1), the CRLF after each chunk's data; the chunk lines and the
//     trailer section together are bounded by max_header_bytes;
//   - trailer fields are read and discarded, never merged into the header fields the handler
//     sees (RFC 9110 section 6.5.1): a trailer cannot add a Cookie or an X-Forwarded-For;
//   - no request body over max_body_bytes (413), no header over max_header_bytes (431).
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "http/limits.h"
#include "http/problem_codes.h"

namespace tessera::http::detail {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Why a request was refused: the status to answer and a message for the client.
struct Refusal {
  int status = 0;  // 400, 413 or 431
  std::string detail;
  ProblemCode code = codes::kMalformedRequest;  // the status's code (http/problem_codes.h)
};

class RequestReader {
 public:
  enum class Step {
    kNeedMore,  // the buffer holds part of the request: read more bytes, then call again
    kHeader,    // the header is complete and acceptable, a body follows: call again for it
    kComplete,  // the whole request is read: take it with release()
    kRefused,   // not acceptable: answer refusal() and close; call nothing else
  };

  explicit RequestReader(const ServerLimits& limits);
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Consumes from `buffer` what belongs to this request and returns what happened. Leaves the
  // bytes of the next request (pipelining) in `buffer`.
  Step advance(boost::beast::flat_buffer& buffer);

  // REQUIRES: advance() returned kRefused.
  const Refusal& refusal() const { return refusal_; }

  // Whether the request line and header fields are parsed (and, unless refused, accepted);
  // then header() is valid.
  bool header_done() const { return parser_.is_header_done(); }
  // REQUIRES: header_done().
  const BeastRequest& header() const { return parser_.get(); }

  // The request, with the header fields only (trailer fields are dropped).
  // REQUIRES: advance() returned kComplete; called once.
  BeastRequest release();

 private:
  Step refuse(int status, std::string detail);
  Step refuse(const boost::beast::error_code& ec);
  // Whether header bytes the parser consumed hold a line that starts with SP or HTAB (obs-fold,
  // or whitespace before the first field), also where an earlier call's bytes ended a line.
  bool whitespace_line(std::string_view consumed);
  // The framing rules above that Beast's parser does not enforce itself, once the header is in.
  Step check_header();

  boost::beast::http::request_parser<boost::beast::http::string_body> parser_;
  const ServerLimits& limits_;
  bool header_checked_ = false;
  bool line_start_ = false;        // the header bytes consumed so far end with LF
  std::size_t header_fields_ = 0;  // fields in the header; those after them are trailers
  std::size_t header_bytes_ = 0;   // request line and fields consumed so far
  bool stalled_ = false;           // the last body put() consumed nothing (see advance())
  static constexpr std::size_t kShortestChunkedRest = 5;
  Refusal refusal_;
};

}  // namespace tessera::http::detail
