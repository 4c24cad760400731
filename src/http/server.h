// The HTTP/1.1 server: a listener and one coroutine per connection (Boost.Beast over Asio
// C++20 coroutines), calling one handler per request (a Router's, sync or async, or one Handler).
// What it guarantees every handler:
//   - requests are complete and within ServerLimits (else 400/413/431 and the connection closes);
//   - exceptions from the handler become 500 problem+json (and a log line), never a crash;
//   - every response carries X-Content-Type-Options: nosniff, and Cache-Control: no-store and
//     Date unless the handler set its own; the server frames it (Content-Length, Connection);
//   - over TLS, every response carries Strict-Transport-Security (never over plain HTTP);
//   - keep-alive as the client asks (RFC 9112 section 9.3), HEAD responses without a body.
// Graceful shutdown: stop() (or SIGINT/SIGTERM) stops accepting, closes idle connections, lets
// in-flight requests finish for up to ServerLimits::drain_timeout, then run() returns.
//
// Example:
//   auto server = Server::create({.host = "127.0.0.1", .port = 0}, router);
//   if (!server) die(server.error());
//   std::cout << "listening on " << (*server)->url() << std::endl;
//   (*server)->run();  // until SIGTERM
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "http/client_ip.h"
#include "http/limits.h"
#include "http/metrics.h"
#include "http/router.h"

namespace tessera::http {

struct TlsFiles {
  std::string cert_chain;   // PEM: the certificate, then intermediates
  std::string private_key;  // PEM
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 literal (no name resolution)
  std::uint16_t port = 8080;       // 0: an ephemeral port, see Server::port()
  ServerLimits limits;
  std::optional<TlsFiles> tls;  // serve HTTPS (TLS 1.2+) when set
  // With tls: "Strict-Transport-Security: max-age=<this>" on every response (RFC 6797 section
  // 7.1; a browser then refuses plain HTTP to this host for that long; 0 tells it to forget).
  // Never sent over plain HTTP (section 7.2: a network attacker could forge it there).
  std::chrono::seconds hsts_max_age{365 * 24 * 60 * 60};
  // Peers exempt from limits.max_connections_per_client (reverse proxies; client_ip.h).
  TrustedProxies trusted_proxies;
  bool stop_on_signals = false;  // SIGINT/SIGTERM call stop()
  // Counts every answered request (metrics.h). Not owned; must outlive the server. With a
  // Router, create() sets the route labels from it.
  Metrics* metrics = nullptr;
};

class Server {
 public:
  // Binds and listens (so "address in use" is reported here, before anything runs) and loads
  // the TLS files. `handler` must be safe to call from several threads at once.
  static std::expected<std::unique_ptr<Server>, std::string> create(ServerOptions options,
                                                                    Handler handler);
  // The same, serving `router`'s routes, sync and async (router.h): async handlers are awaited
  // without blocking an I/O thread. `router` is not copied and must outlive the server.
  static std::expected<std::unique_ptr<Server>, std::string> create(ServerOptions options,
                                                                    const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the real one when options.port was 0).
  std::uint16_t port() const;
  // "http://127.0.0.1:8080", "https://[::1]:8443".
  std::string url() const;

  // Serves on io_threads threads (the caller's among them) until stop() and the drain are
  // done. REQUIRES: called once.
  void run();

  // Starts the graceful shutdown. Thread-safe, idempotent; may be called before run().
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::http
