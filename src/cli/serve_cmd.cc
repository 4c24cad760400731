// tessera serve: the HTTP server on the embedded default (SPEC.md "Running"). Exit 0 after a
// graceful SIGINT/SIGTERM shutdown; 2 when it cannot start (flags, data dir, keys, address).
#include <iostream>
#include <memory>

#include "app/app.h"
#include "cli/commands.h"
#include "cli/io.h"

namespace tessera::cli {

void add_serve_command(CLI::App& root, Commands& out) {
  auto options = std::make_shared<app::Options>();
  CLI::App* serve = root.add_subcommand("serve", "Run the HTTP server");
  serve
      ->add_option("--listen", options->listen,
                   "ADDR:PORT to listen on ([::1]:PORT for IPv6; port 0 picks a free one)")
      ->capture_default_str();
  serve
      ->add_option("--data-dir", options->data_dir,
                   "Directory for keys and data (created 0700 on first start)")
      ->capture_default_str();
  serve->add_option("--threads", options->threads, "I/O threads (0: one per core)")
      ->check(CLI::Range(0u, 1024u))
      ->capture_default_str();
  auto* cert = serve->add_option("--tls-cert", options->tls_cert,
                                 "Serve HTTPS with this PEM certificate chain");
  auto* key =
      serve->add_option("--tls-key", options->tls_key, "The PEM private key for --tls-cert");
  cert->needs(key);
  key->needs(cert);
  out.push_back({serve, [options] {
                   auto served = app::serve(*options, std::cout);
                   if (!served) return fail(kExitUsage, served.error());
                   return kExitOk;
                 }});
}

}  // namespace tessera::cli
