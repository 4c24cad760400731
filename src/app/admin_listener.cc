#include "app/admin_listener.h"

#include <utility>

#include "http/listen_address.h"

namespace tessera::app {

std::expected<std::unique_ptr<AdminListener>, std::string> AdminListener::create(
    std::string_view address, const http::ServerOptions& main,
    const std::function<http::Router()>& routes) {
  std::unique_ptr<AdminListener> admin(new AdminListener());
  if (address.empty()) return admin;
  auto parsed = http::parse_listen_address(address);
  if (!parsed) return std::unexpected("server.admin_listen: " + parsed.error());
  http::ServerOptions options = main;
  options.host = parsed->host;
  options.port = parsed->port;
  options.limits.io_threads = 1;    // operators and a scraper: no need for more
  options.stop_on_signals = false;  // the main server takes the signals; serve() stops this one
  options.metrics = nullptr;        // route labels are the main router's (see the header)
  admin->router_.emplace(routes());
  auto server = http::Server::create(std::move(options), *admin->router_);
  if (!server) return std::unexpected("server.admin_listen: " + server.error());
  admin->server_ = std::move(*server);
  return admin;
}

AdminListener::~AdminListener() { stop(); }

void AdminListener::announce(std::ostream& out) const {
  if (server_) out << "admin listening on " << server_->url() << std::endl;
}

void AdminListener::start() {
  if (server_) thread_ = std::jthread([server = server_.get()] { server->run(); });
}

void AdminListener::stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tessera::app
