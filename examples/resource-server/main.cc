// A resource server that accepts Tessera's access tokens (docs/verifier.md).
//
//   GET /orders   protected: 200 with the caller's sub, 401 for a missing, invalid or revoked
//                 token, 503 while the verifier fails closed (the revocation feed is down)
//   GET /status   what the verifier says of itself (JSON)
//
// Configuration from the environment: TESSERA_ISSUER, TESSERA_URL (optional: where to reach
// Tessera if not at the issuer URL), TESSERA_AUDIENCE (default "tessera"),
// TESSERA_CLIENT_ID, TESSERA_CLIENT_SECRET (a client with the client credentials grant and the
// scope revocations:read), TESSERA_CA_FILE (optional), TESSERA_MAX_FEED_SILENCE_MS (optional).
// Usage: resource_server [ADDRESS:PORT]  (default 127.0.0.1:8081; port 0: any, printed)
#include <tessera/verifier.h>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

std::string env(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

http::response<http::string_body> handle(const tessera::Verifier& verifier,
                                         const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "application/json");
  if (req.target() == "/status") {
    const tessera::VerifierStatus s = verifier.status();
    res.body() = "{\"ready\":" + std::string(s.ready ? "true" : "false") +
                 ",\"feed_connected\":" + (s.feed_connected ? "true" : "false") +
                 ",\"failing_closed\":" + (s.failing_closed ? "true" : "false") +
                 ",\"feed_silent_ms\":" + std::to_string(s.feed_silent_ms) +
                 ",\"last_event_id\":" + std::to_string(s.last_event_id) +
                 ",\"jwks_fetches\":" + std::to_string(s.jwks_fetches) +
                 ",\"token_requests\":" + std::to_string(s.token_requests) +
                 ",\"feed_connects\":" + std::to_string(s.feed_connects) +
                 ",\"keys\":" + std::to_string(s.keys) + ",\"denied\":" + std::to_string(s.denied) +
                 ",\"last_error\":" + json_string(s.last_error) + "}";
  } else if (req.target() == "/orders") {
    const std::string_view auth = req[http::field::authorization];
    auto claims = auth.starts_with("Bearer ") ? verifier.verify(auth.substr(7))
                                              : std::unexpected(tessera::VerifyError::kMalformed);
    if (claims) {
      res.body() = "{\"sub\":" + json_string(claims->sub) + ",\"orders\":[]}";
    } else {
      const bool unavailable = claims.error() == tessera::VerifyError::kUnavailable;
      res.result(unavailable ? http::status::service_unavailable : http::status::unauthorized);
      if (!unavailable) res.set(http::field::www_authenticate, "Bearer error=\"invalid_token\"");
      res.body() = "{\"error\":" + json_string(tessera::to_string(claims.error())) + "}";
    }
  } else {
    res.result(http::status::not_found);
    res.body() = "{\"error\":\"not found\"}";
  }
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

void serve(const tessera::Verifier& verifier, tcp::socket socket) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    auto res = handle(verifier, req);
    http::write(socket, res, ec);
    if (ec || !res.keep_alive()) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  tessera::VerifierOptions options{.issuer = env("TESSERA_ISSUER"),
                                   .url = env("TESSERA_URL"),
                                   .audience = env("TESSERA_AUDIENCE", "tessera"),
                                   .client_id = env("TESSERA_CLIENT_ID"),
                                   .client_secret = env("TESSERA_CLIENT_SECRET"),
                                   .ca_file = env("TESSERA_CA_FILE")};
  if (const std::string ms = env("TESSERA_MAX_FEED_SILENCE_MS"); !ms.empty()) {
    options.max_feed_silence = std::chrono::milliseconds(std::stol(ms));
  }
  auto verifier = tessera::Verifier::create(options);
  if (!verifier) {
    std::cerr << "resource_server: " << verifier.error() << "\n";
    return 2;
  }
  const std::string listen = argc > 1 ? argv[1] : "127.0.0.1:8081";
  const auto colon = listen.rfind(':');
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, {boost::asio::ip::make_address(listen.substr(0, colon)),
                              static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))});
  std::cout << "listening on " << acceptor.local_endpoint().port() << std::endl;
  for (;;) {
    tcp::socket socket(io);
    acceptor.accept(socket);
    std::thread(serve, std::cref(**verifier), std::move(socket)).detach();
  }
}
