// Test-only: a Server on an ephemeral port of 127.0.0.1, run on its own thread, for the suites
// that drive the real server with a RawClient (raw_client.h).
//
//   ServerThread server;
//   ASSERT_TRUE(server.start(router, options)) << server.error();
//   auto res = fetch(server.port(), "GET", "/hello");
//   // the destructor stops the server and joins its thread
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "http/server.h"

namespace tessera::http::testing {

class ServerThread {
 public:
  ServerThread() = default;
  ~ServerThread() { stop(); }
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  // Creates a server for `router` (which must outlive it) with `options`, on 127.0.0.1 and an
  // ephemeral port whatever options say, and runs it on a new thread. False if create()
  // failed; error() says why.
  bool start(const Router& router, ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    auto s = Server::create(std::move(options), router);
    if (!s) {
      error_ = s.error();
      return false;
    }
    server_ = std::move(*s);
    thread_ = std::thread([server = server_.get()] { server->run(); });
    return true;
  }

  // Graceful stop, waits for run() to return, then destroys the server. Idempotent.
  void stop() {
    if (server_) server_->stop();
    join();
    server_.reset();
  }

  // Waits for run() to return (after someone called server().stop()).
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  // REQUIRES: start() succeeded and stop() was not called since.
  Server& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::string error_;
};

}  // namespace tessera::http::testing
