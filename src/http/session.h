// Internal to src/http: one connection's life, shared by the plain and the TLS listener.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <shared_mutex>

#include "http/limits.h"
#include "http/metrics.h"
#include "http/router.h"

namespace tessera::http::detail {

// What the server knows about one open connection, so that a graceful shutdown can close the
// idle ones at once. Touched only on the connection's strand (its executor).
struct Connection {
  boost::beast::tcp_stream* tcp = nullptr;  // set while the connection is being served
  bool idle = false;  // waiting for the first byte of a request (or for a TLS handshake)
};

// Whether the server's io_context still exists, for async responders that answer late from
// another thread: they post to a connection's executor only while `alive` (read under a shared
// lock); the server clears it (exclusive lock) before the io_context goes.
struct Liveness {
  std::shared_mutex mu;
  bool alive = true;  // guarded by mu
};

// Shared by every connection of one server; outlives them all.
struct SessionContext {
  const ServerLimits& limits;
  const Router* router;    // the routes; or, when null,
  const Handler* handler;  // one handler for every request
  Metrics* metrics;        // null: requests are not counted
  std::shared_ptr<Liveness> liveness;
  const std::atomic<bool>& stopping;  // no new requests once set
};

// Serves requests on a plain TCP connection until either side ends it, then closes it.
// I/O errors end the connection; nothing is thrown for them.
boost::asio::awaitable<void> serve_plain(boost::beast::tcp_stream tcp,
                                         std::shared_ptr<Connection> conn,
                                         const SessionContext& ctx);

// The peer's IP address, or "" when the socket no longer knows it.
std::string remote_address(boost::beast::tcp_stream& tcp);

// Marks `conn` as served through `tcp` for the guard's lifetime.
class ConnectionGuard {
 public:
  ConnectionGuard(Connection& conn, boost::beast::tcp_stream& tcp) : conn_(conn) {
    conn_.tcp = &tcp;
  }
  ~ConnectionGuard() {
    conn_.tcp = nullptr;
    conn_.idle = false;
  }
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

 private:
  Connection& conn_;
};

}  // namespace tessera::http::detail
