// The operator-only listener (server.admin_listen): /metrics and the admin API on an address of
// their own (a loopback or internal interface), so that the public listener need not expose
// them. A second http::Server with its own router, on one I/O thread of its own, started after
// the main server is bound and stopped (gracefully) after the main one has drained. With no
// address configured it is inert: nothing is bound, every call does nothing.
//
// Requests on it are not counted in tessera_http_requests_total (the route labels are the main
// router's: http/metrics.h set_routes()); /metrics itself is served here.
//
// Not thread-safe: one owner (app.cc serve()).
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

#include "http/router.h"
#include "http/server.h"

namespace tessera::app {

class AdminListener {
 public:
  // Binds `address` (server.admin_listen, checked by the configuration; "" : inert) with the
  // main listener's limits, TLS and trusted proxies (`main`), serving `routes()` (called only
  // when there is an address). Errors name the setting ("server.admin_listen: ...").
  static std::expected<std::unique_ptr<AdminListener>, std::string> create(
      std::string_view address, const http::ServerOptions& main,
      const std::function<http::Router()>& routes);
  ~AdminListener();  // stop()
  AdminListener(const AdminListener&) = delete;
  AdminListener& operator=(const AdminListener&) = delete;

  // Writes "admin listening on <url>" (flushed) when bound; nothing when inert.
  void announce(std::ostream& out) const;
  // Serves on its own thread. REQUIRES: called once.
  void start();
  // Stops accepting, lets requests in flight finish (the drain timeout), joins. Idempotent.
  void stop();

 private:
  AdminListener() = default;
  std::optional<http::Router> router_;  // before server_: outlives it
  std::unique_ptr<http::Server> server_;
  std::jthread thread_;
};

}  // namespace tessera::app
