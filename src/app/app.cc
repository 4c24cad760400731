#include "app/app.h"

#include <utility>

#include "app/keyring_file.h"
#include "http/listen_address.h"
#include "http/log.h"
#include "http/server.h"

namespace tessera::app {
namespace {

// Liveness: the process answers HTTP. (Readiness, /readyz, checks the store: later.)
http::Response healthz(const http::Request&) {
  return http::make_response(200, R"({"status":"ok"})");
}

// RFC 7517 section 5 JWK Set, public members only; media type per RFC 7517 section 8.5.1.
// Cacheable briefly: verifiers poll it, and a rotated-in key is published (state "next")
// well before it signs, so five minutes of staleness never rejects a valid token.
http::Handler jwks(const jose::Jwks& keys) {
  return [body = keys.to_json()](const http::Request&) {
    http::Response res = http::make_response(200, body, "application/jwk-set+json");
    res.headers.set("Cache-Control", "public, max-age=300");
    return res;
  };
}

std::string key_ids(const jose::Jwks& keys) {
  std::string out;
  for (const jose::Jwk& k : keys.keys()) out += (out.empty() ? "" : ",") + k.kid();
  return out;
}

}  // namespace

http::Router make_router(const jose::Jwks& keys) {
  http::Router router;
  router.add("GET", "/healthz", healthz);
  router.add("GET", "/.well-known/jwks.json", jwks(keys));
  return router;
}

std::expected<void, std::string> serve(const Options& options, std::ostream& announce) {
  auto listen = http::parse_listen_address(options.listen);
  if (!listen) return std::unexpected(listen.error());
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return std::unexpected("--tls-cert and --tls-key go together");
  }
  if (auto dir = ensure_data_dir(options.data_dir); !dir) return std::unexpected(dir.error());
  auto keys = load_or_create_keys(options.data_dir);
  if (!keys) return std::unexpected(keys.error());

  http::Router router = make_router(*keys);
  http::ServerOptions server_options;
  server_options.host = listen->host;
  server_options.port = listen->port;
  server_options.limits.io_threads = options.threads;
  server_options.stop_on_signals = true;
  if (!options.tls_cert.empty())
    server_options.tls = http::TlsFiles{options.tls_cert, options.tls_key};
  auto server = http::Server::create(std::move(server_options), router.handler());
  if (!server) return std::unexpected(server.error());

  announce << "listening on " << (*server)->url() << std::endl;
  http::log_event(
      http::LogLevel::kInfo, "server started",
      {{"url", (*server)->url()}, {"data_dir", options.data_dir}, {"kids", key_ids(*keys)}});
  (*server)->run();
  http::log_event(http::LogLevel::kInfo, "server stopped", {{"url", (*server)->url()}});
  return {};
}

}  // namespace tessera::app
