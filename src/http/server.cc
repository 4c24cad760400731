#include "http/server.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <csignal>
#include <list>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "http/log.h"
#include "http/session_impl.h"
#include "http/tls.h"

namespace tessera::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using detail::kNoThrow;

namespace {

// Logs what escaped a connection or the accept loop (a bug or an allocation failure).
void log_escaped(std::exception_ptr e, std::string_view where) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log_event(LogLevel::kError, "uncaught exception",
              {{"where", std::string(where)}, {"error", ex.what()}});
  } catch (...) {
    log_event(LogLevel::kError, "uncaught exception", {{"where", std::string(where)}});
  }
}

// The open connections, so shutdown can close the idle ones and wait for the others, and how
// many each client holds (ServerLimits::max_connections_per_client).
class ConnectionRegistry {
 public:
  struct Entry {
    std::shared_ptr<detail::Connection> conn;
    asio::any_io_executor executor;  // the connection's strand
    std::string client;              // client_key(); "" for an exempt peer
  };
  using Token = std::list<Entry>::iterator;

  Token add(Entry e) {
    std::lock_guard lock(mu_);
    if (!e.client.empty()) ++per_client_[e.client];
    entries_.push_front(std::move(e));
    return entries_.begin();
  }
  void remove(Token t) {
    std::lock_guard lock(mu_);
    if (!t->client.empty()) {
      auto it = per_client_.find(t->client);
      if (--it->second == 0) per_client_.erase(it);
    }
    entries_.erase(t);
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }
  // The open connections of `client` (a client_key()).
  std::size_t count(const std::string& client) const {
    std::lock_guard lock(mu_);
    auto it = per_client_.find(client);
    return it == per_client_.end() ? 0 : it->second;
  }
  // Cancels the idle wait of every connection; busy ones finish their request, then close.
  void close_idle() {
    std::lock_guard lock(mu_);
    for (const Entry& e : entries_) {
      asio::post(e.executor, [conn = e.conn] {  // on the connection's strand, like its I/O
        beast::error_code ignored;
        if (conn->idle && conn->socket != nullptr) conn->socket->cancel(ignored);
      });
    }
  }
  // Closes the socket of every connection whose deadline passed before `now` (session.h): its
  // pending read or write fails, and the connection ends. Checked again on the connection's
  // strand, where its deadline may have moved on meanwhile (the operation completed in time).
  void close_expired(detail::Connection::Clock::time_point now) {
    std::lock_guard lock(mu_);
    for (const Entry& e : entries_) {
      if (!e.conn->expired(now)) continue;
      asio::post(e.executor, [conn = e.conn] {
        beast::error_code ignored;
        if (conn->socket != nullptr && conn->expired(detail::Connection::Clock::now())) {
          conn->socket->close(ignored);
        }
      });
    }
  }

 private:
  mutable std::mutex mu_;
  std::list<Entry> entries_;
  std::unordered_map<std::string, std::size_t> per_client_;  // only clients with connections
};

// Whom a connection from `peer` counts against in max_connections_per_client: its IPv4
// address, or its IPv6 /64 (one subscriber's prefix: a client with a /64 must not get 2^64
// budgets); "" for a trusted proxy, which is exempt.
std::string client_key(const asio::ip::address& peer, const TrustedProxies& exempt) {
  auto ip = IpAddress::parse(peer.to_string());
  if (!ip) return "unknown";  // a socket's peer is always an IP; one shared bucket otherwise
  if (exempt.contains(*ip)) return "";
  return ip->is_v4() ? ip->to_string() : ip->prefix(64).to_string() + "/64";
}

// Removes a connection from the registry when its coroutine ends, however it ends.
class Registration {
 public:
  Registration(ConnectionRegistry& r, ConnectionRegistry::Token t) : registry_(r), token_(t) {}
  ~Registration() { registry_.remove(token_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  ConnectionRegistry& registry_;
  ConnectionRegistry::Token token_;
};

unsigned thread_count(unsigned configured) {
  if (configured != 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

// Member order matters: the io_context is destroyed before what its pending coroutines refer
// to (registry, session context, TLS context), and after the I/O objects that use it.
struct Server::Impl {
  Impl(ServerOptions o, const Router* r, Handler h)
      : options(std::move(o)),
        handler(std::move(h)),
        ctx{options.limits,
            r,
            &handler,
            options.metrics,
            std::make_shared<detail::Liveness>(),
            stopping,
            options.trusted_proxies},
        ioc(static_cast<int>(thread_count(options.limits.io_threads))),
        acceptor(asio::make_strand(ioc)) {}
  // Late async responders must stop posting before the io_context goes (see Liveness).
  ~Impl() {
    std::unique_lock lock(ctx.liveness->mu);
    ctx.liveness->alive = false;
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  static std::expected<std::unique_ptr<Server>, std::string> create(std::unique_ptr<Impl> impl);

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> connection(tcp::socket socket, std::shared_ptr<detail::Connection> conn,
                                   ConnectionRegistry::Token token);
  asio::awaitable<void> sweep_deadlines();
  asio::awaitable<void> drain();
  void begin_stop();

  ServerOptions options;
  Handler handler;
  std::atomic<bool> stopping{false};
  ConnectionRegistry registry;
  std::shared_ptr<detail::TlsContext> tls;
  detail::SessionContext ctx;
  asio::io_context ioc;
  tcp::acceptor acceptor;  // on its own strand, with everything that touches it
  asio::steady_timer sweep_timer{acceptor.get_executor()};  // the deadline sweep's
  std::optional<asio::signal_set> signals;
  tcp::endpoint bound;
};

asio::awaitable<void> Server::Impl::accept_loop() {
  asio::steady_timer backoff(acceptor.get_executor());
  bool at_capacity = false;
  std::chrono::steady_clock::time_point last_client_cap_log{};
  for (;;) {
    // Each connection gets its own strand: its coroutine never runs on two threads at once.
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kNoThrow);
    if (stopping.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // E.g. EMFILE: out of file descriptors. Back off instead of spinning on the error.
      log_event(LogLevel::kWarn, "accept failed", {{"error", ec.message()}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    if (registry.size() >= options.limits.max_connections) {
      if (!at_capacity) {
        log_event(LogLevel::kWarn, "connection limit reached; closing new connections",
                  {{"max_connections", std::to_string(options.limits.max_connections)}});
      }
      at_capacity = true;
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    at_capacity = false;
    beast::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) continue;  // it is gone already (the socket closes here)
    std::string client = client_key(peer.address(), options.trusted_proxies);
    if (!client.empty() && registry.count(client) >= options.limits.max_connections_per_client) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_client_cap_log >= std::chrono::seconds(10)) {  // one line per 10 s at most
        last_client_cap_log = now;
        log_event(LogLevel::kWarn, "per-client connection limit reached; closing its new ones",
                  {{"client", client},
                   {"max_connections_per_client",
                    std::to_string(options.limits.max_connections_per_client)}});
      }
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    auto executor = socket.get_executor();
    // Registered here, not in the coroutine, so the limits above count it at once.
    auto conn = std::make_shared<detail::Connection>();
    auto token = registry.add({conn, executor, std::move(client)});
    asio::co_spawn(executor, connection(std::move(socket), std::move(conn), token),
                   [](std::exception_ptr e) { log_escaped(e, "connection"); });
  }
}

asio::awaitable<void> Server::Impl::connection(tcp::socket socket,
                                               std::shared_ptr<detail::Connection> conn,
                                               ConnectionRegistry::Token token) {
  Registration registration(registry, token);
  if (tls) {
    co_await detail::serve_tls(std::move(socket), conn, ctx, *tls);
  } else {
    co_await detail::serve_plain(std::move(socket), conn, ctx);
  }
}

// The one timer behind every connection's timeouts (session.h). Ends once the server stops
// and no connection is left (drain() then wakes it), so that run() can return.
asio::awaitable<void> Server::Impl::sweep_deadlines() {
  for (;;) {
    if (stopping.load() && registry.size() == 0) co_return;
    sweep_timer.expires_after(detail::Connection::kSweepPeriod);
    co_await sweep_timer.async_wait(kNoThrow);
    registry.close_expired(detail::Connection::Clock::now());
  }
}

asio::awaitable<void> Server::Impl::drain() {
  const auto deadline = std::chrono::steady_clock::now() + options.limits.drain_timeout;
  asio::steady_timer tick(acceptor.get_executor());
  while (registry.size() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      log_event(LogLevel::kWarn, "shutdown deadline passed; closing busy connections",
                {{"connections", std::to_string(registry.size())}});
      ioc.stop();
      co_return;
    }
    tick.expires_after(std::chrono::milliseconds(20));
    co_await tick.async_wait(kNoThrow);
  }
  sweep_timer.cancel();  // nothing left to time out: the sweep ends
}

// On the acceptor's strand.
void Server::Impl::begin_stop() {
  beast::error_code ignored;
  acceptor.close(ignored);
  if (signals) signals->cancel(ignored);
  registry.close_idle();
  asio::co_spawn(acceptor.get_executor(), drain(),
                 [](std::exception_ptr e) { log_escaped(e, "drain"); });
}

std::expected<std::unique_ptr<Server>, std::string> Server::create(ServerOptions options,
                                                                   Handler handler) {
  return Impl::create(std::make_unique<Impl>(std::move(options), nullptr, std::move(handler)));
}

std::expected<std::unique_ptr<Server>, std::string> Server::create(ServerOptions options,
                                                                   const Router& router) {
  if (options.metrics != nullptr) options.metrics->set_routes(router.paths());
  return Impl::create(std::make_unique<Impl>(std::move(options), &router, nullptr));
}

std::expected<std::unique_ptr<Server>, std::string> Server::Impl::create(
    std::unique_ptr<Impl> impl) {
  const ServerOptions& o = impl->options;
  const std::string where = o.host + ":" + std::to_string(o.port);

  beast::error_code ec;
  auto address = asio::ip::make_address(o.host, ec);
  if (ec)
    return std::unexpected("invalid listen address '" + o.host + "': an IP address is needed");
  tcp::endpoint endpoint(address, o.port);
  tcp::acceptor& a = impl->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);  // restart despite TIME_WAIT
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl->bound = a.local_endpoint(ec);
  if (ec) return std::unexpected("cannot listen on " + where + ": " + ec.message());

  if (o.tls) {
    auto tls = detail::load_tls_context(o.tls->cert_chain, o.tls->private_key);
    if (!tls) return std::unexpected(tls.error());
    impl->tls = std::move(*tls);
    impl->ctx.tls_fields =
        "Strict-Transport-Security: max-age=" + std::to_string(o.hsts_max_age.count()) + "\r\n";
  }
  // Installed now, not in run(): a signal that arrives in between is queued, not fatal.
  if (o.stop_on_signals) impl->signals.emplace(a.get_executor(), SIGINT, SIGTERM);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

std::uint16_t Server::port() const { return impl_->bound.port(); }

std::string Server::url() const {
  const auto& address = impl_->bound.address();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return (impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(port());
}

void Server::run() {
  Impl& s = *impl_;
  asio::co_spawn(s.acceptor.get_executor(), s.accept_loop(),
                 [](std::exception_ptr e) { log_escaped(e, "accept loop"); });
  asio::co_spawn(s.acceptor.get_executor(), s.sweep_deadlines(),
                 [](std::exception_ptr e) { log_escaped(e, "deadline sweep"); });
  if (s.signals) {
    s.signals->async_wait([this](const beast::error_code& ec, int signal) {
      if (ec) return;
      log_event(LogLevel::kInfo, "signal received; shutting down",
                {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
      stop();
    });
  }
  std::vector<std::jthread> threads;
  for (unsigned i = 1; i < thread_count(s.options.limits.io_threads); ++i) {
    threads.emplace_back([&s] { s.ioc.run(); });
  }
  s.ioc.run();
}  // the jthreads join here

void Server::stop() {
  if (impl_->stopping.exchange(true)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->begin_stop(); });
}

}  // namespace tessera::http
