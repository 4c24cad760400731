#include "http/tls.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdio>

#include "http/session_impl.h"

namespace tessera::http::detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

class TlsContext {
 public:
  TlsContext() : ctx(ssl::context::tls_server) {}
  ssl::context ctx;
};

namespace {

// A clearer message than OpenSSL's "system lib" for the common mistake.
std::expected<void, std::string> readable(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::unexpected("cannot read " + path);
  std::fclose(f);
  return {};
}

}  // namespace

std::expected<std::shared_ptr<TlsContext>, std::string> load_tls_context(
    const std::string& cert_chain_file, const std::string& private_key_file) {
  for (const std::string& f : {cert_chain_file, private_key_file}) {
    if (auto ok = readable(f); !ok) return std::unexpected(ok.error());
  }
  auto tls = std::make_shared<TlsContext>();
  boost::system::error_code ec;
  tls->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  if (ec) return std::unexpected("cannot configure TLS: " + ec.message());
  tls->ctx.use_certificate_chain_file(cert_chain_file, ec);
  if (ec) {
    return std::unexpected(cert_chain_file + ": not a PEM certificate chain (" + ec.message() +
                           ")");
  }
  // OpenSSL also checks here that the key matches the certificate.
  tls->ctx.use_private_key_file(private_key_file, ssl::context::pem, ec);
  if (ec) {
    return std::unexpected(private_key_file + ": not a PEM private key for " + cert_chain_file +
                           " (" + ec.message() + ")");
  }
  return tls;
}

asio::awaitable<void> serve_tls(asio::ip::tcp::socket socket, std::shared_ptr<Connection> conn,
                                const SessionContext& ctx, TlsContext& tls) {
  std::string remote = remote_address(socket);
  beast::ssl_stream<asio::ip::tcp::socket> stream(std::move(socket), tls.ctx);
  ConnectionGuard guard(*conn, stream.next_layer());

  // The handshake counts as idle: a shutdown may cancel it, no request has begun.
  if (ctx.stopping.load()) co_return;
  conn->idle = true;
  conn->expires_after(ctx.limits.read_timeout);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
  conn->idle = false;
  if (ec) co_return;

  // TLS closes with close_notify either way (no lingering: the record layer frames the end).
  co_await serve_requests(stream, *conn, ctx, std::move(remote), ctx.tls_fields);

  // close_notify, briefly: many clients just close the socket instead of answering.
  conn->expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(kNoThrow);
  beast::error_code ignored;
  stream.next_layer().close(ignored);
}

}  // namespace tessera::http::detail
