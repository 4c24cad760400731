// Internal to src/http: one connection's life, shared by the plain and the TLS listener.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <limits>
#include <memory>
#include <shared_mutex>
#include <string>

#include "http/client_ip.h"
#include "http/limits.h"
#include "http/metrics.h"
#include "http/router.h"

namespace tessera::http::detail {

// What the server knows about one open connection: its deadline, which the server's sweep
// enforces (server.cc), and whether it is idle, so that a graceful shutdown can close the idle
// ones at once.
//
// One deadline per connection instead of a timer per operation: arming, cancelling and
// completing an Asio timer around every read and write cost about a third of a request
// (bench/README.md, "Profile"). The connection stores when its current phase (idle wait,
// request read, response write, TLS handshake, close) must end; a sweep every kSweepPeriod
// closes the sockets whose deadline has passed. Timeouts are therefore late by up to
// kSweepPeriod, which is nothing against limits of seconds.
struct Connection {
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::rep kNoDeadline = std::numeric_limits<Clock::rep>::max();
  static constexpr std::chrono::milliseconds kSweepPeriod{250};

  // Starts a phase that must end within `d` (from now).
  void expires_after(Clock::duration d) {
    deadline_.store((Clock::now() + d).time_since_epoch().count(), std::memory_order_relaxed);
  }
  // Between phases (a handler runs): nothing to time out.
  void expires_never() { deadline_.store(kNoDeadline, std::memory_order_relaxed); }
  // Whether the current phase should have ended before `now`. Any thread (the sweep reads it
  // without the strand, then checks again on it before acting).
  bool expired(Clock::time_point now) const {
    return deadline_.load(std::memory_order_relaxed) <= now.time_since_epoch().count();
  }

  // Touched only on the connection's strand (its executor):
  boost::asio::ip::tcp::socket* socket = nullptr;  // set while the connection is being served
  bool idle = false;  // waiting for the first byte of a request (or for a TLS handshake)

 private:
  std::atomic<Clock::rep> deadline_{kNoDeadline};  // steady_clock ticks; written on the strand
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
  const std::atomic<bool>& stopping;      // no new requests once set
  const TrustedProxies& trusted_proxies;  // whose X-Request-Id is kept (http/request_id.h)
  // Field lines added to every response over TLS (Strict-Transport-Security), or "".
  std::string tls_fields;
};

// Serves requests on a plain TCP connection until either side ends it, then closes it.
// I/O errors end the connection; nothing is thrown for them.
boost::asio::awaitable<void> serve_plain(boost::asio::ip::tcp::socket socket,
                                         std::shared_ptr<Connection> conn,
                                         const SessionContext& ctx);

// The peer's IP address, or "" when the socket no longer knows it.
std::string remote_address(const boost::asio::ip::tcp::socket& socket);

// Marks `conn` as served through `socket` for the guard's lifetime.
class ConnectionGuard {
 public:
  ConnectionGuard(Connection& conn, boost::asio::ip::tcp::socket& socket) : conn_(conn) {
    conn_.socket = &socket;
  }
  ~ConnectionGuard() {
    conn_.socket = nullptr;
    conn_.idle = false;
    conn_.expires_never();
  }
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

 private:
  Connection& conn_;
};

}  // namespace tessera::http::detail
