// Wiring: options -> data dir and keys -> routes -> server. The one place that knows which
// pieces make up `tessera serve`.
#pragma once

#include <expected>
#include <ostream>
#include <string>

#include "http/router.h"
#include "tessera/jwk.h"

namespace tessera::app {

struct Options {
  std::string listen = "127.0.0.1:8080";  // ADDR:PORT; port 0 picks a free one
  std::string data_dir = "./tessera-data";
  unsigned threads = 0;  // I/O threads; 0 = one per core
  std::string tls_cert;  // both or neither: HTTPS with this PEM chain and key
  std::string tls_key;
};

// The routes over the loaded state:
//   GET /healthz                -> 200 {"status":"ok"}
//   GET /.well-known/jwks.json  -> 200 the public keys (RFC 7517 section 5)
// `keys` is copied (cheap: shared immutable keys).
http::Router make_router(const jose::Jwks& keys);

// Opens the data dir (creating it and the signing key on first start), binds, writes one line
// "listening on <url>" to `announce` (flushed: scripts and tests read the port from it), and
// serves until SIGINT/SIGTERM and the graceful drain are done. An error is a message for
// stderr: nothing was served.
std::expected<void, std::string> serve(const Options& options, std::ostream& announce);

}  // namespace tessera::app
