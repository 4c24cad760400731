// Internal to src/http: HTTPS. The only files of src/http that see OpenSSL (through asio::ssl)
// are tls.cc and what it includes; this header keeps the TLS context opaque.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <expected>
#include <memory>
#include <string>

#include "http/session.h"

namespace tessera::http::detail {

class TlsContext;  // a server ssl::context: TLS 1.2 and later, the given chain and key

// Loads a PEM certificate chain and its private key; a message naming the file on failure.
std::expected<std::shared_ptr<TlsContext>, std::string> load_tls_context(
    const std::string& cert_chain_file, const std::string& private_key_file);

// serve_plain over TLS: handshake (bounded by the read timeout), requests, close_notify.
boost::asio::awaitable<void> serve_tls(boost::asio::ip::tcp::socket socket,
                                       std::shared_ptr<Connection> conn, const SessionContext& ctx,
                                       TlsContext& tls);

}  // namespace tessera::http::detail
