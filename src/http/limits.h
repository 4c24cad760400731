// Per-server limits: every resource a client can make the server hold is bounded here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tessera::http {

struct ServerLimits {
  // Request line plus header fields. Beyond it: 431 and the connection closes.
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  // Request body (SPEC.md "HTTP API": bodies over 64 KiB are 413). Beyond it: 413 and close.
  std::uint64_t max_body_bytes = std::uint64_t{64} * 1024;
  // From a request's first byte to its last (slow senders are cut off, not waited for).
  std::chrono::milliseconds read_timeout{30'000};
  // For writing one response to a slow reader.
  std::chrono::milliseconds write_timeout{30'000};
  // Keep-alive: how long an idle connection may wait for the next request's first byte.
  std::chrono::milliseconds idle_timeout{60'000};
  // How long an async handler (router.h) may take to answer before the client gets 503 and
  // the late answer is dropped. (Sync handlers cannot be interrupted: they must not block.)
  std::chrono::milliseconds handler_timeout{30'000};
  // Graceful shutdown: how long in-flight requests may take before the server exits anyway.
  std::chrono::milliseconds drain_timeout{10'000};
  // Open connections at most; one more is accepted and closed at once (no bytes read).
  std::size_t max_connections = 10'000;
  // Open connections from one client at most, so that one client cannot hold every slot of
  // max_connections; beyond it, a new connection from that client is closed at once. A client
  // is an IPv4 address or an IPv6 /64 (what one subscriber is given). Peers listed in
  // ServerOptions::trusted_proxies are exempt: each of their connections carries other clients.
  std::size_t max_connections_per_client = 256;
  // Threads running the I/O loop; 0 means std::thread::hardware_concurrency().
  unsigned io_threads = 0;
};

}  // namespace tessera::http
