// Async handlers through the real server: answered from other threads, many at once, never
// answered (503 at the handler timeout), abandoned (500), answered after the server is gone,
// and the I/O thread staying free meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/metrics.h"
#include "http/problem.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "http/testing/server_thread.h"

namespace tessera::http {
namespace {

using testing::fetch;
using testing::RawClient;
using testing::ServerThread;
using namespace std::chrono_literals;

// A worker pool in miniature: jobs run on other threads, as password hashing will.
class Workers {
 public:
  explicit Workers(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
  }
  ~Workers() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

class AsyncServerTest : public ::testing::Test {
 protected:
  AsyncServerTest() {
    router_.add("GET", "/sync", [](const Request&) { return make_response(200, "sync"); });
    // Answered on a worker thread after 20 ms, echoing the body and the worker's thread id.
    router_.add_async("POST", "/work", [this](Request req, Responder respond) {
      workers_.submit([req = std::move(req), respond] {
        std::this_thread::sleep_for(20ms);
        respond(make_response(200, req.body, "text/plain"));
      });
    });
    // Kept, never answered (until the test says so).
    router_.add_async("GET", "/never", [this](Request, Responder respond) {
      std::lock_guard lock(held_mu_);
      held_.push_back(std::move(respond));
    });
    // Dropped without an answer.
    router_.add_async("GET", "/drop", [](Request, Responder) {});
    router_.add_async("GET", "/throw",
                      [](Request, Responder) { throw std::runtime_error("async handler bug"); });
    // Answered at once, on the I/O thread.
    router_.add_async("GET", "/inline",
                      [](Request, Responder respond) { respond(make_response(200, "inline")); });
    router_.add_async("GET", "/twice", [this](Request, Responder respond) {
      respond(make_response(200, "first"));
      workers_.submit([respond] { respond(make_response(200, "second")); });
    });
    router_.add_async("GET", "/bad-status",
                      [](Request, Responder respond) { respond(make_response(42, "?")); });
    router_.add_async("GET", "/items/{id}", [this](Request req, Responder respond) {
      workers_.submit([req = std::move(req), respond] {
        respond(make_response(200, std::string(req.path_param("id").value_or("")), "text/plain"));
      });
    });
  }

  void start(ServerLimits limits = {}, unsigned io_threads = 2) {
    limits.io_threads = io_threads;
    ASSERT_TRUE(server_.start(router_, ServerOptions{.limits = limits, .metrics = &metrics_}))
        << server_.error();
  }

  void stop_server() { server_.stop(); }

  void TearDown() override {
    stop_server();
    answer_held("late");  // after the server is gone: dropped, no crash
  }

  std::size_t held_count() {
    std::lock_guard lock(held_mu_);
    return held_.size();
  }

  void answer_held(const std::string& body) {
    std::vector<Responder> held;
    {
      std::lock_guard lock(held_mu_);
      held.swap(held_);
    }
    for (auto& r : held) r(make_response(200, body));
  }

  std::uint16_t port() const { return server_.port(); }

  Workers workers_{4};
  Metrics metrics_;
  Router router_;
  std::mutex held_mu_;
  std::vector<Responder> held_;
  ServerThread server_;
};

TEST_F(AsyncServerTest, AnsweredFromAnotherThread) {
  start();
  auto res = fetch(port(), "POST", "/work", "hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello");
  EXPECT_EQ(res->header("content-type"), "text/plain");
  EXPECT_EQ(res->header("x-content-type-options"), "nosniff");  // server defaults apply
}

TEST_F(AsyncServerTest, AnsweredInlineAndKeepAliveContinues) {
  start();
  RawClient c(port());
  for (const char* path : {"/inline", "/items/abc", "/sync", "/inline"}) {
    ASSERT_TRUE(c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = c.read_response();
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
  }
}

TEST_F(AsyncServerTest, PathParametersReachAsyncHandlers) {
  start();
  auto res = fetch(port(), "GET", "/items/s3ss10n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "s3ss10n");
  EXPECT_EQ(fetch(port(), "GET", "/items/")->status, 404);
  EXPECT_EQ(fetch(port(), "GET", "/items/a/b")->status, 404);
}

TEST_F(AsyncServerTest, ManyConcurrentRequests) {
  start();
  constexpr int kClients = 64;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      RawClient c(port());
      // Two requests per connection: keep-alive after an async answer.
      for (int j = 0; j < 2; ++j) {
        std::string body = "req-" + std::to_string(i) + "-" + std::to_string(j);
        std::string req =
            "POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
        if (!c.send(req)) return;
        auto res = c.read_response();
        if (res && res->status == 200 && res->body == body) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 2 * kClients);
  // 128 jobs of 20 ms on 4 workers: ~640 ms if they overlap; far more if serialized per I/O
  // thread. Generous bound for slow CI (and ASan).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST_F(AsyncServerTest, NeverAnsweredIs503AfterTheTimeoutAndTheLateAnswerIsDropped) {
  ServerLimits limits;
  limits.handler_timeout = 200ms;
  start(limits);
  RawClient c(port());
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto res = c.read_response();
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->header("content-type"), "application/problem+json");
  EXPECT_EQ(nlohmann::json::parse(res->body)["status"], 503);
  EXPECT_GE(waited, 190ms);
  EXPECT_LT(waited, 3s);
  EXPECT_EQ(held_count(), 1u);
  answer_held("too late");  // while the server runs: dropped
  // The connection is still in step: the next request gets its own answer.
  ASSERT_TRUE(c.send("GET /sync HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "sync");
}

TEST_F(AsyncServerTest, AbandonedResponderIs500AtOnce) {
  start();
  auto t0 = std::chrono::steady_clock::now();
  auto res = fetch(port(), "GET", "/drop");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->header("content-type"), "application/problem+json");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // not the 30 s timeout
}

TEST_F(AsyncServerTest, ThrowingHandlerIs500AndTheConnectionLives) {
  start();
  RawClient c(port());
  ASSERT_TRUE(c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto res = c.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body.find("async handler bug"), std::string::npos);
  ASSERT_TRUE(c.send("GET /sync HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(AsyncServerTest, SecondAnswerIsIgnoredAndImpossibleStatusIs500) {
  start();
  RawClient c(port());
  ASSERT_TRUE(
      c.send("GET /twice HTTP/1.1\r\nHost: x\r\n\r\nGET /sync HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = c.read_response();
  auto second = c.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "first");
  EXPECT_EQ(second->body, "sync");
  EXPECT_EQ(fetch(port(), "GET", "/bad-status")->status, 500);
}

// One I/O thread, eight requests parked in async handlers: a sync request still answers at
// once, so waiting never holds the thread.
TEST_F(AsyncServerTest, TheIoThreadStaysFreeWhileAsyncRequestsWait) {
  start({}, /*io_threads=*/1);
  std::vector<std::unique_ptr<RawClient>> parked;
  for (int i = 0; i < 8; ++i) {
    parked.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(parked.back()->send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  for (int i = 0; i < 200 && held_count() < 8; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(held_count(), 8u);
  auto t0 = std::chrono::steady_clock::now();
  auto res = fetch(port(), "GET", "/sync");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "sync");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  answer_held("released");
  for (auto& c : parked) {
    auto r = c->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "released");
  }
}

// A shutdown waits (up to the drain timeout) for requests parked in async handlers; answers
// that come after the server is destroyed go nowhere, safely.
TEST_F(AsyncServerTest, StopWithParkedRequestsThenLateAnswers) {
  ServerLimits limits;
  limits.drain_timeout = 300ms;
  start(limits);
  RawClient parked(port());
  ASSERT_TRUE(parked.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 200 && held_count() < 1; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(held_count(), 1u);
  auto t0 = std::chrono::steady_clock::now();
  stop_server();  // drain gives up after 300 ms; the server object is destroyed
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  answer_held("after the end");  // must not touch the destroyed io_context
}

TEST_F(AsyncServerTest, RequestsAreCountedByRoutePattern) {
  start();
  ASSERT_EQ(fetch(port(), "GET", "/items/one")->status, 200);
  ASSERT_EQ(fetch(port(), "GET", "/items/two")->status, 200);
  ASSERT_EQ(fetch(port(), "GET", "/nope")->status, 404);
  ASSERT_EQ(fetch(port(), "DELETE", "/sync")->status, 405);
  std::string text = metrics_.render();
  EXPECT_NE(
      text.find(R"(tessera_http_requests_total{route="/items/{id}",method="GET",status="200"} 2)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(tessera_http_requests_total{route="unmatched",method="GET",status="404"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(tessera_http_requests_total{route="/sync",method="DELETE",status="405"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(tessera_http_request_duration_seconds_count{route="/items/{id}"} 2)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("/items/one"), std::string::npos);  // raw paths never become labels
}

}  // namespace
}  // namespace tessera::http
