// Event-stream responses (http/event_stream.h) through the real server: the head, events as the
// stream wakes the connection from another thread, the end of the stream, a client that goes
// away, HEAD, and a graceful stop that ends a waiting stream.
#include "http/event_stream.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "http/server.h"
#include "http/testing/raw_client.h"
#include "http/testing/server_thread.h"

namespace tessera::http {
namespace {

using testing::RawClient;
using testing::ServerThread;

// Text queued by the test, sent as the server pulls it.
class QueueStream : public EventStream {
 public:
  Chunk pull() override {
    std::lock_guard lock(mu_);
    Chunk chunk;
    while (!queue_.empty()) {
      chunk.text += queue_.front();
      queue_.pop_front();
    }
    chunk.done = finished_;
    ++pulls_;
    return chunk;
  }
  void set_waker(std::function<void()> wake) override {
    std::lock_guard lock(mu_);
    wake_ = std::move(wake);
  }
  // From any thread: queues `text` and wakes the connection.
  void push(std::string text, bool finish = false) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(text));
      finished_ = finished_ || finish;
      wake = wake_;
    }
    if (wake) wake();
  }
  bool has_waker() {
    std::lock_guard lock(mu_);
    return static_cast<bool>(wake_);
  }
  void wake() {  // as after the connection ended: must be harmless
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      wake = wake_;
    }
    if (wake) wake();
  }

 private:
  std::mutex mu_;
  std::deque<std::string> queue_;
  bool finished_ = false;
  int pulls_ = 0;
  std::function<void()> wake_;
};

class EventStreamTest : public ::testing::Test {
 protected:
  EventStreamTest() {
    router_.add("GET", "/events", [this](const Request&) {
      Response res = make_response(200, "retry: 1000\n\n", "text/event-stream");
      std::lock_guard lock(mu_);
      res.stream = stream_;
      return res;
    });
    router_.add("GET", "/plain", [](const Request&) { return make_response(200, "plain"); });
  }
  void SetUp() override {
    ServerLimits limits;
    limits.io_threads = 2;
    ASSERT_TRUE(server_.start(router_, ServerOptions{.limits = limits})) << server_.error();
  }
  // Waits until the server took the stream (set its waker): the head was written.
  void wait_for_waker() {
    for (int i = 0; i < 500 && !stream_->has_waker(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(stream_->has_waker());
  }

  std::mutex mu_;
  std::shared_ptr<QueueStream> stream_ = std::make_shared<QueueStream>();
  Router router_;
  ServerThread server_;
};

TEST_F(EventStreamTest, HeadThenEventsAsTheyComeThenTheEnd) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.read_until("\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_NE(head->find("HTTP/1.1 200"), std::string::npos) << *head;
  EXPECT_NE(head->find("Content-Type: text/event-stream"), std::string::npos) << *head;
  EXPECT_NE(head->find("Connection: close"), std::string::npos) << *head;
  EXPECT_EQ(head->find("Content-Length"), std::string::npos) << *head;  // ends with the connection
  EXPECT_EQ(c.read_until("\n\n"), "retry: 1000\n\n");                   // the body so far

  wait_for_waker();
  // Pushed from other threads, each delivered without the client asking again.
  std::thread([this] { stream_->push("id: 1\ndata: one\n\n"); }).join();
  EXPECT_EQ(c.read_until("\n\n"), "id: 1\ndata: one\n\n");
  std::thread([this] { stream_->push("id: 2\ndata: two\n\n"); }).join();
  EXPECT_EQ(c.read_until("\n\n"), "id: 2\ndata: two\n\n");
  stream_->push("id: 3\ndata: last\n\n", /*finish=*/true);
  EXPECT_EQ(c.read_until("\n\n"), "id: 3\ndata: last\n\n");
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(c.unread(), "");
}

TEST_F(EventStreamTest, AClientThatLeavesEndsItAndTheServerGoesOn) {
  {
    RawClient c(server_.port());
    ASSERT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c.read_until("retry: 1000\n\n"));
    wait_for_waker();
  }  // gone
  // The next writes fail; the connection ends and the server still answers others.
  for (int i = 0; i < 3; ++i) stream_->push(std::string(64 * 1024, 'x'));
  auto res = testing::fetch(server_.port(), "GET", "/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "plain");
}

TEST_F(EventStreamTest, HeadGetsTheHeadAndNoStream) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.send("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto res = c.read_response(/*head=*/true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-length"), "13");  // the GET's body so far, not sent
  EXPECT_FALSE(stream_->has_waker());
  // Keep-alive goes on: the stream did not take the connection.
  ASSERT_TRUE(c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto plain = c.read_response();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "plain");
}

TEST_F(EventStreamTest, AGracefulStopEndsAWaitingStream) {
  RawClient c(server_.port());
  ASSERT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("retry: 1000\n\n"));
  wait_for_waker();
  server_.stop();  // returns: the stream did not hold the shutdown
  EXPECT_TRUE(c.closed_by_server());
  stream_->wake();  // the server is gone: a late wake does nothing
}

}  // namespace
}  // namespace tessera::http
