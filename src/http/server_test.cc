// The server in-process on an ephemeral port, driven by a raw-socket client.
#include "http/server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "base/log_context.h"
#include "http/request_id.h"
#include "http/testing/raw_client.h"
#include "http/testing/server_thread.h"

namespace tessera::http {
namespace {

using testing::fetch;
using testing::RawClient;
using testing::ServerThread;
using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    router_.add("GET", "/hello", [](const Request&) { return make_response(200, R"({"hi":1})"); });
    router_.add("POST", "/echo", [](const Request& r) {
      return make_response(200, std::to_string(r.body.size()), "text/plain");
    });
    router_.add("GET", "/cached", [](const Request&) {
      Response r = make_response(200, "{}");
      r.headers.set("Cache-Control", "public, max-age=60");
      r.headers.set("Content-Length", "999");  // ignored: the server frames the message
      return r;
    });
    router_.add("GET", "/throw",
                [](const Request&) -> Response { throw std::runtime_error("handler bug"); });
    router_.add("GET", "/split", [](const Request&) {
      Response r = make_response(200, "{}");
      r.headers.set("X-Evil", "a\r\nSet-Cookie: owned=1");
      return r;
    });
    router_.add("GET", "/id", [](const Request& r) {
      // The handler sees its id, as a field and as the thread's (base/log_context.h).
      return make_response(200, r.request_id + " " + std::string(base::current_request_id()),
                           "text/plain");
    });
    router_.add("GET", "/slow", [](const Request&) {
      std::this_thread::sleep_for(500ms);
      return make_response(200, "slow");
    });
  }

  void start(ServerLimits limits = {}) {
    limits.io_threads = 2;
    ASSERT_TRUE(server_.start(router_, ServerOptions{.limits = limits})) << server_.error();
  }

  std::uint16_t port() const { return server_.port(); }

  Router router_;
  ServerThread server_;
};

TEST_F(ServerTest, ServesAndAddsDefaultHeaders) {
  start();
  EXPECT_EQ(server_.server().url(), "http://127.0.0.1:" + std::to_string(port()));
  auto res = fetch(port(), "GET", "/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"hi":1})");
  EXPECT_EQ(res->header("content-type"), "application/json");
  EXPECT_EQ(res->header("cache-control"), "no-store");
  EXPECT_EQ(res->header("x-content-type-options"), "nosniff");
  EXPECT_TRUE(res->header("date").ends_with(" GMT")) << res->header("date");
}

TEST_F(ServerTest, HandlerCacheControlIsKeptAndFramingIsTheServers) {
  start();
  auto res = fetch(port(), "GET", "/cached");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("cache-control"), "public, max-age=60");
  EXPECT_EQ(res->header("content-length"), "2");
  EXPECT_EQ(res->header("x-content-type-options"), "nosniff");
}

TEST_F(ServerTest, HeaderFieldsWithLineBreaksAreDropped) {
  start();
  auto res = fetch(port(), "GET", "/split");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("x-evil"), "");
  EXPECT_EQ(res->header("set-cookie"), "");
}

TEST_F(ServerTest, HandlerExceptionIs500AndTheConnectionLives) {
  start();
  RawClient c(port());
  ASSERT_TRUE(c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->header("content-type"), "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(res->body)["status"], 500);
  EXPECT_EQ(res->body.find("handler bug"), std::string::npos);  // never told to the client
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto again = c.read_response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerTest, HeadHasTheGetLengthAndNoBody) {
  start();
  RawClient c(port());
  ASSERT_TRUE(
      c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.read_response(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "8");
  auto get = c.read_response();  // would be garbled if HEAD had sent a body
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, R"({"hi":1})");
}

TEST_F(ServerTest, PipelinedRequestsOnOneConnection) {
  start();
  RawClient c(port());
  std::string two =
      "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  ASSERT_TRUE(c.send(two));
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->body, "3");
}

TEST_F(ServerTest, BodyAtTheLimitIsAcceptedOverItIs413) {
  ServerLimits limits;
  limits.max_body_bytes = 1000;
  start(limits);
  auto ok = fetch(port(), "POST", "/echo", std::string(1000, 'x'));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "1000");
  auto big = fetch(port(), "POST", "/echo", std::string(1001, 'x'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->header("content-type"), "application/problem+json");
  EXPECT_EQ(big->header("connection"), "close");
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413) {
  ServerLimits limits;
  limits.max_body_bytes = 10;
  start(limits);
  RawClient c(port());
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(ServerTest, LargeHeaderIs431) {
  start();
  RawClient c(port());
  ASSERT_TRUE(
      c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, GarbageIs400AndClosed) {
  start();
  RawClient c(port());
  ASSERT_TRUE(c.send(std::string("\x00\x01 GARBAGE\r\n\r\n", 14)));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->header("content-type"), "application/problem+json");
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(fetch(port(), "GET", "/hello")->status, 200);
}

TEST_F(ServerTest, Http11WithoutHostIs400) {
  start();
  RawClient c(port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(ServerTest, Http10ClosesAfterTheResponse) {
  start();
  RawClient c(port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  start();
  RawClient c(port());
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
             "Expect: 100-continue\r\n\r\n"));
  auto interim = c.read_response(/*head=*/true);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send("ok"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "2");
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  ServerLimits limits;
  limits.idle_timeout = 200ms;
  start(limits);
  RawClient c(port());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

// Slowloris: a header dribbled a byte at a time never outlasts the read timeout, however
// often bytes arrive (the timeout runs from the request's first byte, not from the last).
TEST_F(ServerTest, SlowHeaderIsCutOffAtTheReadTimeout) {
  ServerLimits limits;
  limits.read_timeout = 300ms;
  start(limits);
  RawClient c(port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\n"));
  for (int i = 0; i < 20; ++i) {  // 1 s of dribble; the send fails once the server is gone
    if (!c.send("X")) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  ServerLimits limits;
  limits.max_connections = 1;
  start(limits);
  RawClient first(port());
  ASSERT_TRUE(first.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(first.read_response());  // now surely registered
  RawClient second(port());
  EXPECT_TRUE(second.closed_by_server());
  first.close();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(fetch(port(), "GET", "/hello")->status, 200);
}

// One client cannot hold every slot of max_connections (ServerLimits::max_connections_per_client).
TEST_F(ServerTest, ConnectionsBeyondThePerClientLimitAreClosed) {
  ServerLimits limits;
  limits.max_connections_per_client = 2;
  start(limits);
  RawClient first(port()), second(port());
  for (RawClient* c : {&first, &second}) {
    ASSERT_TRUE(c->send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c->read_response());  // now surely registered
  }
  RawClient third(port());
  EXPECT_TRUE(third.closed_by_server());
  // A slot comes back when one of the client's connections ends.
  first.close();
  std::optional<testing::RawResponse> res;
  for (int i = 0; i < 100 && !res; ++i) {  // until the server has seen the close
    res = fetch(port(), "GET", "/hello");
    if (!res) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(ServerTest, TrustedProxiesAreExemptFromThePerClientLimit) {
  ServerOptions options;
  options.limits.max_connections_per_client = 1;
  options.limits.io_threads = 2;
  options.trusted_proxies = *TrustedProxies::parse({"127.0.0.1"});
  ASSERT_TRUE(server_.start(router_, options)) << server_.error();
  RawClient first(port()), second(port());
  for (RawClient* c : {&first, &second}) {
    ASSERT_TRUE(c->send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = c->read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
}

TEST_F(ServerTest, StopFinishesInFlightRequestsAndClosesIdleOnes) {
  start();
  RawClient idle(port());
  ASSERT_TRUE(idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_response());
  RawClient busy(port());
  ASSERT_TRUE(busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(100ms);  // the handler is running
  server_.server().stop();
  auto res = busy.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "slow");
  EXPECT_EQ(res->header("connection"), "close");
  EXPECT_TRUE(idle.closed_by_server());
  server_.join();  // run() returned
  RawClient late(port());
  EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, StopGivesUpOnStalledRequestsAfterTheDrainTimeout) {
  ServerLimits limits;
  limits.drain_timeout = 300ms;
  start(limits);
  RawClient stalled(port());
  ASSERT_TRUE(stalled.send("GET /hello HTTP/1.1\r\n"));  // and never the rest
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  server_.server().stop();
  server_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(ServerCreate, RefusesBadAddressAndPortInUse) {
  Router router;
  ServerOptions options;
  options.host = "not-an-ip";
  options.port = 0;
  auto bad = Server::create(options, router.handler());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("invalid listen address"), std::string::npos);

  options.host = "127.0.0.1";
  auto first = Server::create(options, router.handler());
  ASSERT_TRUE(first.has_value()) << first.error();
  options.port = (*first)->port();
  auto second = Server::create(options, router.handler());
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().find("cannot listen on"), std::string::npos);
}

TEST(ServerCreate, RefusesMissingTlsFiles) {
  Router router;
  ServerOptions options;
  options.port = 0;
  options.tls = TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  auto s = Server::create(options, router.handler());
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().find("/nonexistent/cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace tessera::http

namespace tessera::http {
namespace {

class ServerRequestIdTest : public ServerTest {
 protected:
  std::optional<testing::RawResponse> get_id(std::string_view sent) {
    RawClient c(port());
    std::string req = "GET /id HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
    if (!sent.empty()) req += "X-Request-Id: " + std::string(sent) + "\r\n";
    if (!c.send(req + "\r\n")) return std::nullopt;
    return c.read_response();
  }
};

TEST_F(ServerRequestIdTest, EveryResponseCarriesItsRequestsId) {
  start();
  auto res = get_id("");
  ASSERT_TRUE(res);
  const std::string id = res->header("x-request-id");
  EXPECT_TRUE(valid_request_id(id));
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(res->body, id + " " + id);
  auto missing = fetch(port(), "GET", "/nowhere");  // a 404 too
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->header("x-request-id").size(), 32u);
}

TEST_F(ServerRequestIdTest, AnUntrustedPeersIdIsReplaced) {
  start();  // no trusted proxies
  auto res = get_id("client-chosen-id");
  ASSERT_TRUE(res);
  const std::string id = res->header("x-request-id");
  EXPECT_NE(id, "client-chosen-id");
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(res->body.find("client-chosen-id"), std::string::npos);
}

TEST_F(ServerRequestIdTest, ATrustedProxysValidIdIsKept) {
  ServerOptions options;
  options.limits.io_threads = 2;
  options.trusted_proxies = *TrustedProxies::parse({"127.0.0.1"});
  ASSERT_TRUE(server_.start(router_, options)) << server_.error();
  auto res = get_id("proxy:id-42");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("x-request-id"), "proxy:id-42");
  EXPECT_EQ(res->body, "proxy:id-42 proxy:id-42");
  auto bad = get_id("not\"valid");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->header("x-request-id").size(), 32u);
}

}  // namespace
}  // namespace tessera::http
