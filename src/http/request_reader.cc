#include "http/request_reader.h"

#include <algorithm>
#include <cstdint>

#include "http/message.h"

namespace tessera::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// RFC 9112 section 6.3 item 5: one decimal number (Beast checks that it fits 64 bits, and
// accepts a list of equal values, which we do not).
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

RequestReader::RequestReader(const ServerLimits& limits) : limits_(limits) {
  // Beast's own header limit depends on how the bytes arrive (with the whole header in one
  // buffer it let a header a few bytes over the limit through; fuzz_http_request found it), so
  // it is only a backstop, set well above ours; advance() enforces max_header_bytes itself.
  parser_.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(2 * limits.max_header_bytes + 64, UINT32_MAX)));
  parser_.body_limit(limits.max_body_bytes);
}

RequestReader::Step RequestReader::refuse(int status, std::string detail) {
  const ProblemCode code = status == 413   ? codes::kBodyTooLarge
                           : status == 431 ? codes::kHeaderTooLarge
                                           : codes::kMalformedRequest;
  refusal_ = Refusal{status, std::move(detail), code};
  return Step::kRefused;
}

RequestReader::Step RequestReader::refuse(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) {
    return refuse(431, "request header is larger than " + std::to_string(limits_.max_header_bytes) +
                           " bytes");
  }
  if (ec == bhttp::error::body_limit) {
    return refuse(
        413, "request body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  return refuse(400, "malformed HTTP request: " + ec.message());
}

bool RequestReader::whitespace_line(std::string_view consumed) {
  const bool ws_first = !consumed.empty() && (consumed[0] == ' ' || consumed[0] == '\t');
  const bool found = (line_start_ && ws_first) || consumed.find("\n ") != std::string_view::npos ||
                     consumed.find("\n\t") != std::string_view::npos;
  if (!consumed.empty()) line_start_ = consumed.back() == '\n';
  return found;
}

RequestReader::Step RequestReader::check_header() {
  const BeastRequest& msg = parser_.get();
  if (msg.version() >= 11 && msg.count(bhttp::field::host) != 1) {
    return refuse(400, "malformed HTTP request: an HTTP/1.1 request needs exactly one Host field");
  }
  const std::size_t lengths = msg.count(bhttp::field::content_length);
  if (msg.count(bhttp::field::transfer_encoding) > 0) {
    if (msg.version() < 11) {
      return refuse(400, "malformed HTTP request: Transfer-Encoding in an HTTP/1.0 request");
    }
    if (lengths > 0) {
      return refuse(400, "malformed HTTP request: both Transfer-Encoding and Content-Length");
    }
    if (msg.count(bhttp::field::transfer_encoding) != 1 ||
        !iequals(msg[bhttp::field::transfer_encoding], "chunked")) {
      return refuse(400, "malformed HTTP request: the only Transfer-Encoding accepted is chunked");
    }
  }
  if (lengths > 1 || (lengths == 1 && !all_digits(msg[bhttp::field::content_length]))) {
    return refuse(400, "malformed HTTP request: Content-Length must be one decimal number");
  }
  header_fields_ = static_cast<std::size_t>(std::distance(msg.begin(), msg.end()));
  header_checked_ = true;
  return parser_.is_done() ? Step::kComplete : Step::kHeader;
}

RequestReader::Step RequestReader::advance(beast::flat_buffer& buffer) {
  beast::error_code ec;
  if (!header_checked_) {
    // Beast consumes the request line and each field line once it has all of it (and, for a
    // field, the next byte, which tells whether an obs-fold continues it), then the end of the
    // header. So a header may take several calls; `line_start_` carries over whether the
    // bytes consumed so far end a line.
    if (buffer.size() == 0) return Step::kNeedMore;
    const auto bytes = buffer.data();
    const std::size_t used = parser_.put(bytes, ec);
    if (ec && ec != bhttp::error::need_more) return refuse(ec);
    const std::string_view consumed(static_cast<const char*>(bytes.data()), used);
    if (whitespace_line(consumed)) {
      return refuse(400, "malformed HTTP request: a header line starts with whitespace");
    }
    buffer.consume(used);
    header_bytes_ += used;
    // The header is header_bytes_ + what it still needs: more than the buffer holds while it is
    // incomplete (Beast parses a header end as soon as it is buffered). So both tests below say
    // "longer than max_header_bytes", whatever the reads were.
    if (ec == bhttp::error::need_more) {
      if (header_bytes_ + buffer.size() >= limits_.max_header_bytes) {
        return refuse(bhttp::error::header_limit);
      }
      return Step::kNeedMore;
    }
    if (header_bytes_ > limits_.max_header_bytes) return refuse(bhttp::error::header_limit);
    parser_.eager(true);  // the body: as much per put() as the buffer holds
    return check_header();
  }
  // Beast consumes body bytes as they come, but needs a whole chunk line, and the whole
  // trailer section, at once. It is offered at most max_header_bytes at a time: an element that
  // does not fit in that window is refused, whether its bytes came in one read or in many.
  const std::size_t window = limits_.max_header_bytes;
  while (buffer.size() > 0 && !parser_.is_done()) {
    // Beast 1.81 asserts (in debug builds: an abort) that a chunked body it stopped in after
    // the last chunk's size line is offered again with at least 5 bytes, the shortest such
    // rest ("0\r\n\r\n"). After a put that consumed nothing, wait for that many: no rest that
    // can complete a chunked body from where Beast stops is shorter, so nothing is held back.
    if (stalled_ && buffer.size() < kShortestChunkedRest) break;
    const auto bytes = buffer.data();
    const std::size_t offered = std::min(bytes.size(), window);
    const std::size_t used = parser_.put(boost::asio::const_buffer(bytes.data(), offered), ec);
    buffer.consume(used);
    stalled_ = ec == bhttp::error::need_more && used == 0;
    if (ec == bhttp::error::need_more) {
      if (used > 0) continue;       // a new element starts: offer it a window of its own
      if (offered < window) break;  // read more
      return refuse(431, "a chunk line or the trailer section is larger than " +
                             std::to_string(window) + " bytes");
    }
    if (ec) return refuse(ec);
    if (used == 0) break;
  }
  return parser_.is_done() ? Step::kComplete : Step::kNeedMore;
}

BeastRequest RequestReader::release() {
  BeastRequest msg = parser_.release();
  auto it = msg.begin();
  for (std::size_t i = 0; i < header_fields_ && it != msg.end(); ++i) ++it;
  while (it != msg.end()) it = msg.erase(it);  // trailer fields (RFC 9110 section 6.5.1)
  return msg;
}

}  // namespace tessera::http::detail
