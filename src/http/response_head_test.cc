// The response head, byte for byte: what the server sets, keeps, drops and how it frames.
#include "http/response_head.h"

#include <gtest/gtest.h>

namespace tessera::http::detail {
namespace {

Response json(int status, std::string body) { return make_response(status, std::move(body)); }

// The head without its Date line, which changes every second.
std::string without_date(std::string head) {
  std::size_t at = head.find("\r\nDate: ");
  if (at != std::string::npos) head.erase(at, head.find("\r\n", at + 2) - at);
  return head;
}

TEST(ResponseHead, DefaultsAndFraming) {
  std::string head;
  Response res = json(200, R"({"status":"ok"})");
  std::string_view body = format_response(res, Framing{}, head);
  EXPECT_EQ(without_date(head),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Content-Length: 15\r\n\r\n");
  EXPECT_NE(head.find("\r\nDate: "), std::string::npos);
  EXPECT_TRUE(head.find(" GMT\r\n") != std::string::npos);
  EXPECT_EQ(body, res.body);
}

TEST(ResponseHead, TheRequestIdIsTheServersNeverTheHandlers) {
  std::string head;
  Response res = json(200, "{}");
  res.headers.set("X-Request-Id", "forged");
  Framing framing;
  framing.request_id = "0123abcd";
  format_response(res, framing, head);
  EXPECT_EQ(without_date(head),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "X-Request-Id: 0123abcd\r\n"
            "Content-Length: 2\r\n\r\n");
}

TEST(ResponseHead, HandlerFieldsKeptServerFieldsReplacedUnsafeOnesDropped) {
  std::string head;
  Response res = json(404, "{}");
  res.headers.set("Cache-Control", "public, max-age=60");
  res.headers.set("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
  res.headers.set("Content-Length", "999");
  res.headers.set("transfer-encoding", "chunked");
  res.headers.set("Connection", "keep-alive");
  res.headers.set("X-Content-Type-Options", "sniff-away");
  res.headers.set("X-Evil", "a\r\nSet-Cookie: owned=1");
  res.headers.set("Bad Name", "x");
  res.headers.add("Set-Cookie", "a=1");
  res.headers.add("Set-Cookie", "b=2");
  format_response(res, Framing{11, /*keep_alive=*/false, /*head=*/false}, head);
  EXPECT_EQ(head,
            "HTTP/1.1 404 Not Found\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: public, max-age=60\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Set-Cookie: a=1\r\n"
            "Set-Cookie: b=2\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Connection: close\r\n"
            "Content-Length: 2\r\n\r\n");
}

TEST(ResponseHead, HeadHasTheGetLengthAndNoBody) {
  std::string head;
  Response res = json(200, "12345");
  EXPECT_TRUE(format_response(res, Framing{11, true, /*head=*/true}, head).empty());
  EXPECT_NE(head.find("\r\nContent-Length: 5\r\n"), std::string::npos) << head;
}

TEST(ResponseHead, Http10KeepAliveIsExplicit) {
  std::string head;
  Response res = json(200, "{}");
  format_response(res, Framing{10, /*keep_alive=*/true, false}, head);
  EXPECT_TRUE(head.starts_with("HTTP/1.0 200 OK\r\n")) << head;
  EXPECT_NE(head.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << head;
  format_response(res, Framing{10, /*keep_alive=*/false, false}, head);
  EXPECT_EQ(head.find("Connection:"), std::string::npos) << head;
  format_response(res, Framing{11, /*keep_alive=*/true, false}, head);
  EXPECT_EQ(head.find("Connection:"), std::string::npos) << head;
}

TEST(ResponseHead, NoContentHasNoLengthAndNoBody) {
  std::string head;
  for (int status : {204, 304}) {
    Response res = json(status, "ignored");
    EXPECT_TRUE(format_response(res, Framing{}, head).empty());
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
    EXPECT_TRUE(head.ends_with("nosniff\r\n\r\n")) << head;
  }
}

// Strict-Transport-Security is the server's (server.h: over TLS only): a handler cannot set it.
TEST(ResponseHead, ConnectionFieldsAreAddedAndStsIsTheServers) {
  std::string head;
  Response res = json(200, "{}");
  res.headers.set("Strict-Transport-Security", "max-age=1");
  format_response(res, Framing{}, head);
  EXPECT_EQ(head.find("Strict-Transport-Security"), std::string::npos) << head;
  format_response(res, Framing{11, true, false, "Strict-Transport-Security: max-age=86400\r\n"},
                  head);
  EXPECT_NE(head.find("\r\nStrict-Transport-Security: max-age=86400\r\n"), std::string::npos)
      << head;
  EXPECT_EQ(head.find("max-age=1\r\n"), std::string::npos) << head;
}

TEST(ResponseHead, TheBufferIsReused) {
  std::string head;
  Response res = json(503, "{}");
  format_response(res, Framing{}, head);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << head;
  const char* data = head.data();
  format_response(res, Framing{}, head);
  EXPECT_EQ(head.data(), data);  // same size again: no reallocation
}

}  // namespace
}  // namespace tessera::http::detail
