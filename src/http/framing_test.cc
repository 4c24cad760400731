// Message framing (RFC 9112 sections 2, 5, 6 and 7; request_reader.h), one table run two ways:
//   - through RequestReader alone, the bytes fed at once and one at a time: the outcome must
//     not depend on how TCP cut the stream;
//   - against a real server over a raw socket, each request followed by a pipelined one: a
//     refused request gets its status and "Connection: close", the connection closes, and
//     nothing after it is ever served; an accepted one is served, and so is the next one.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "http/request_reader.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "http/testing/server_thread.h"

namespace tessera::http {
namespace {

using detail::RequestReader;
using testing::RawClient;
using testing::ServerThread;

struct Row {
  const char* name;
  std::string bytes;  // one request (maybe with smuggled bytes after it)
  int status;         // 200: served, with `body`; else refused with this status
  std::string body = {};
};

const std::string kHost = "Host: x\r\n";
const std::string kPost = "POST /count HTTP/1.1\r\n" + kHost;
const std::string kChunked = kPost + "Transfer-Encoding: chunked\r\n\r\n";
const std::string kSmuggled = "GET /count HTTP/1.1\r\n" + kHost + "\r\n";

// A request whose header (request line through the blank line) is exactly `size` bytes.
std::string header_of_size(std::size_t size) {
  const std::string start = kPost + "X-Pad: ", end = "\r\n\r\n";
  return start + std::string(size - start.size() - end.size(), 'p') + end;
}

std::vector<Row> table() {
  const std::size_t limit = ServerLimits{}.max_header_bytes;
  return {
      // The header limit is the header's length however the bytes arrive (fuzz_http_request
      // found a header a few bytes over it accepted when it came in one read).
      {"header_at_the_limit", header_of_size(limit), 200, ""},
      {"header_one_byte_over_the_limit", header_of_size(limit + 1), 431},
      {"header_a_few_bytes_over_the_limit", header_of_size(limit + 6), 431},
      // Transfer-Encoding whose final coding is not chunked, or not alone (RFC 9112 6.1, 6.3).
      {"te_gzip", kPost + "Transfer-Encoding: gzip\r\n\r\n" + kSmuggled, 400},
      {"te_gzip_chunked", kPost + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400},
      {"te_chunked_gzip", kPost + "Transfer-Encoding: chunked, gzip\r\n\r\n" + kSmuggled, 400},
      {"te_chunked_twice", kPost + "Transfer-Encoding: chunked, chunked\r\n\r\n" + kSmuggled, 400},
      {"te_two_fields",
       kPost + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"te_two_chunked_fields",
       kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"te_identity", kPost + "Transfer-Encoding: identity\r\n\r\n" + kSmuggled, 400},
      {"te_empty", kPost + "Transfer-Encoding: \r\n\r\n" + kSmuggled, 400},
      {"te_comma_chunked", kPost + "Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n", 400},
      {"te_vertical_tab", kPost + "Transfer-Encoding: \vchunked\r\n\r\n0\r\n\r\n", 400},
      // Transfer-Encoding with Content-Length, either order (6.3 item 3).
      {"cl_then_te", kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"te_then_cl", kPost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
       400},
      {"te_gzip_and_cl", kPost + "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc", 400},
      // HTTP/1.0 with Transfer-Encoding is faulty framing (6.1), even with Content-Length.
      {"http10_te", "POST /count HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"http10_te_keep_alive",
       "POST /count HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3\r\nabc\r\n0\r\n\r\n" +
           kSmuggled,
       400},
      // Content-Length: one field, one decimal number (6.3 item 5).
      {"cl_twice_same", kPost + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
      {"cl_twice_different", kPost + "Content-Length: 3\r\nContent-Length: 0\r\n\r\nabc", 400},
      {"cl_list", kPost + "Content-Length: 3, 3\r\n\r\nabc", 400},
      {"cl_plus", kPost + "Content-Length: +3\r\n\r\nabc", 400},
      {"cl_negative", kPost + "Content-Length: -1\r\n\r\nabc", 400},
      {"cl_hex", kPost + "Content-Length: 0x3\r\n\r\nabc", 400},
      {"cl_inner_space", kPost + "Content-Length: 1 2\r\n\r\nabc", 400},
      {"cl_empty", kPost + "Content-Length: \r\n\r\nabc", 400},
      {"cl_overflow", kPost + "Content-Length: 18446744073709551616\r\n\r\nabc", 400},
      // Chunked coding (7.1).
      {"chunk_size_overflow", kChunked + "10000000000000001\r\na\r\n0\r\n\r\n", 400},
      {"chunk_size_not_hex", kChunked + "zz\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk_size_0x", kChunked + "0x3\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk_size_space", kChunked + "3 \r\nabc\r\n0\r\n\r\n", 400},
      {"chunk_size_negative", kChunked + "-3\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk_ext_bad", kChunked + "3;a b\r\nabc\r\n0\r\n\r\n", 400},
      {"chunk_data_too_long", kChunked + "3\r\nabcdef\r\n0\r\n\r\n", 400},
      {"chunk_line_bare_lf", kChunked + "3\nabc\r\n0\r\n\r\n", 400},
      {"chunk_data_bare_lf", kChunked + "3\r\nabc\n0\r\n\r\n", 400},
      {"chunk_line_too_long", kChunked + "3;x=" + std::string(9000, 'a') + "\r\nabc\r\n", 431},
      {"trailer_too_long", kChunked + "0\r\nX-T: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      {"trailer_bare_lf_then_request", kChunked + "0\r\nX-T: y\n\r\n" + kSmuggled, 400},
      {"trailer_content_length", kChunked + "0\r\nContent-Length: 5\r\n\r\n", 400},
      {"chunked_over_body_limit", kChunked + "10001\r\n", 413},
      {"cl_over_body_limit", kPost + "Content-Length: 65537\r\n\r\n", 413},
      // Request line and field lines: CRLF only (2.2), no space before the colon (5.1), no
      // obs-fold and no whitespace before the first field (2.2, 5.2), exactly one Host (3.2).
      {"request_line_bare_lf", "GET /count HTTP/1.1\n" + kHost + "\r\n", 400},
      {"request_line_bare_cr", "GET /count HTTP/1.1\r" + kHost + "\r\n", 400},
      {"field_bare_lf", "GET /count HTTP/1.1\r\n" + kHost + "X: y\n\r\n", 400},
      {"field_bare_cr", "GET /count HTTP/1.1\r\n" + kHost + "X: y\rZ: w\r\n\r\n", 400},
      {"end_bare_lf_lf", "GET /count HTTP/1.1\r\n" + kHost + "\n\n" + kSmuggled, 400},
      {"space_before_colon", "GET /count HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"obs_fold", "GET /count HTTP/1.1\r\n" + kHost + "X: a\r\n b\r\n\r\n", 400},
      {"obs_fold_tab", "GET /count HTTP/1.1\r\n" + kHost + "X: a\r\n\tb\r\n\r\n", 400},
      {"space_before_first_field", "GET /count HTTP/1.1\r\n X: y\r\n" + kHost + "\r\n", 400},
      {"folded_transfer_encoding",
       kPost + "X: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + kSmuggled, 400},
      {"nul_in_value", "GET /count HTTP/1.1\r\n" + kHost + std::string("X: a\0b\r\n\r\n", 10), 400},
      {"no_host", "GET /count HTTP/1.1\r\n\r\n", 400},
      {"two_hosts", "GET /count HTTP/1.1\r\n" + kHost + kHost + "\r\n", 400},
      {"http_1_2", "GET /count HTTP/1.2\r\n" + kHost + "\r\n", 400},
      {"http_2_0", "GET /count HTTP/2.0\r\n" + kHost + "\r\n", 400},
      {"double_space_in_request_line", "GET  /count HTTP/1.1\r\n" + kHost + "\r\n", 400},
      {"header_too_large", "GET /count HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 431},

      // Accepted: served exactly, and the request after it too.
      {"content_length", kPost + "Content-Length: 3\r\n\r\nabc", 200, "abc"},
      {"content_length_zero", kPost + "Content-Length: 0\r\n\r\n", 200, ""},
      {"chunked", kChunked + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 200, "abcde"},
      {"chunked_any_case_and_ows",
       kPost + "Transfer-Encoding:  Chunked \r\n\r\n1\r\nz\r\n0\r\n\r\n", 200, "z"},
      {"chunk_extensions_ignored", kChunked + "3;a=1;b=\"q\"\r\nabc\r\n0;end\r\n\r\n", 200, "abc"},
      {"chunk_size_zeros_and_case", kChunked + "0000a\r\n0123456789\r\n0\r\n\r\n", 200,
       "0123456789"},
      // Trailer fields are read and dropped: the handler sees none of them (RFC 9110 6.5.1).
      {"trailers_dropped",
       kChunked + "1\r\nq\r\n0\r\nX-Forwarded-For: 192.0.2.9\r\nCookie: s=1\r\n\r\n", 200, "q"},
      {"http10_keep_alive_content_length",
       "POST /count HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", 200, "hi"},
      {"get_with_body", "GET /count HTTP/1.1\r\n" + kHost + "Content-Length: 2\r\n\r\nhi", 200,
       "hi"},
  };
}

// What RequestReader made of the bytes.
struct Outcome {
  RequestReader::Step step = RequestReader::Step::kNeedMore;
  int status = 0;
  std::string body;
  std::size_t fields = 0;
  std::size_t left = 0;  // bytes not consumed

  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// Feeds `bytes` to a RequestReader: `first` bytes, then `piece` bytes at a time.
Outcome read_in_pieces(const std::string& bytes, std::size_t piece, std::size_t first = 0) {
  ServerLimits limits;
  RequestReader reader(limits);
  boost::beast::flat_buffer buffer;
  std::size_t fed = 0;
  Outcome out;
  for (;;) {
    out.step = reader.advance(buffer);
    if (out.step == RequestReader::Step::kHeader) continue;
    if (out.step != RequestReader::Step::kNeedMore || fed == bytes.size()) break;
    const std::size_t n = std::min(fed == 0 && first > 0 ? first : piece, bytes.size() - fed);
    auto space = buffer.prepare(n);
    std::memcpy(space.data(), bytes.data() + fed, n);
    buffer.commit(n);
    fed += n;
  }
  if (out.step == RequestReader::Step::kRefused) out.status = reader.refusal().status;
  if (out.step == RequestReader::Step::kComplete) {
    auto msg = reader.release();
    out.body = msg.body();
    out.fields = static_cast<std::size_t>(std::distance(msg.begin(), msg.end()));
  }
  out.left = buffer.size() + (bytes.size() - fed);
  return out;
}

// How the bytes arrive may change when a refusal comes, never whether a request is served:
// Beast checks a header's fields as soon as it is given them all at once, but once it has had
// part of a header it waits for the blank line that ends it (a header that never ends is then
// refused at max_header_bytes, or cut off at the read timeout). So a split read is either the
// same as the whole one, or both are refusals (the split one perhaps still waiting for the
// end of a header that never comes).
TEST(FramingTest, ReaderOutcomeIsTheTablesAndDoesNotDependOnHowBytesArrive) {
  using Step = RequestReader::Step;
  for (const Row& row : table()) {
    SCOPED_TRACE(row.name);
    const Outcome whole = read_in_pieces(row.bytes, row.bytes.size());
    if (row.status == 200) {
      EXPECT_EQ(whole.step, Step::kComplete);
      EXPECT_EQ(whole.body, row.body);
      EXPECT_EQ(whole.left, 0u);  // the whole request, not a byte more or less
    } else {
      EXPECT_EQ(whole.step, Step::kRefused);
      EXPECT_EQ(whole.status, row.status);
    }
    // The request line (and a little more) first: Beast then consumes it on its own.
    const std::size_t line = row.bytes.find('\n') + 3;
    for (auto [piece, first] : {std::pair<std::size_t, std::size_t>{1, 0},
                                {2, 0},
                                {7, 0},
                                {1, line},
                                {row.bytes.size(), line}}) {
      SCOPED_TRACE("fed " + std::to_string(first) + " bytes, then " + std::to_string(piece) +
                   " at a time");
      const Outcome split = read_in_pieces(row.bytes, piece, first);
      if (whole.step == Step::kComplete) {
        EXPECT_EQ(split, whole);
      } else {
        EXPECT_TRUE(split.step == Step::kRefused || split.step == Step::kNeedMore);
        if (split.step == Step::kRefused) {
          EXPECT_EQ(split.status, whole.status);
        }
      }
    }
  }
}

TEST(FramingTest, TrailerFieldsNeverReachTheHandler) {
  const Outcome out =
      read_in_pieces(kChunked + "1\r\nq\r\n0\r\nX-Forwarded-For: 192.0.2.9\r\n\r\n", 1000);
  ASSERT_EQ(out.step, RequestReader::Step::kComplete);
  EXPECT_EQ(out.fields, 2u);  // Host and Transfer-Encoding
}

class FramingServerTest : public ::testing::Test {
 protected:
  FramingServerTest() {
    auto count = [this](const Request& r) {
      served_.fetch_add(1);
      const bool leaked = r.headers.has("X-Forwarded-For") || r.headers.has("Cookie");
      return make_response(200, r.body + (leaked ? "|trailer" : ""), "text/plain");
    };
    router_.add("GET", "/count", count);
    router_.add("POST", "/count", count);
    router_.add("GET", "/canary",
                [](const Request&) { return make_response(200, "canary", "text/plain"); });
    ServerOptions options;
    options.limits.io_threads = 1;
    EXPECT_TRUE(server_.start(router_, options)) << server_.error();
  }

  Router router_;
  ServerThread server_;
  std::atomic<int> served_{0};
};

TEST_F(FramingServerTest, RefusedRequestsCloseTheConnectionAndNothingAfterThemIsServed) {
  const std::string canary = "GET /canary HTTP/1.1\r\n" + kHost + "\r\n";
  for (const Row& row : table()) {
    if (row.status == 200) continue;
    SCOPED_TRACE(row.name);
    RawClient c(server_.port());
    ASSERT_TRUE(c.send(row.bytes + canary));
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, row.status);
    EXPECT_EQ(res->header("connection"), "close");
    EXPECT_EQ(res->header("content-type"), "application/problem+json");
    EXPECT_TRUE(c.closed_by_server());
    EXPECT_EQ(c.unread(), "");  // no second response: neither the smuggled nor the canary
  }
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(FramingServerTest, AcceptedRequestsAreServedExactlyAndSoIsTheNextOne) {
  const std::string canary = "GET /canary HTTP/1.1\r\n" + kHost + "Connection: close\r\n\r\n";
  int accepted = 0;
  for (const Row& row : table()) {
    if (row.status != 200) continue;
    SCOPED_TRACE(row.name);
    ++accepted;
    RawClient c(server_.port());
    ASSERT_TRUE(c.send(row.bytes + canary));
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, row.body);  // and no "|trailer"
    auto next = c.read_response();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->body, "canary");
    EXPECT_TRUE(c.closed_by_server());
  }
  EXPECT_EQ(served_.load(), accepted);
}

}  // namespace
}  // namespace tessera::http
