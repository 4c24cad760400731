#include "cli/config_flags.h"

namespace tessera::cli {

ConfigFlags::ConfigFlags(CLI::App* cmd) : cmd_(cmd) {
  cmd_->add_option("--config", file_,
                   "TOML configuration file (keys: see `tessera config print`); every key is "
                   "also settable as TESSERA_<SECTION>__<KEY>");
  data_dir_opt_ = cmd_->add_option(
      "--data-dir", data_dir_,
      "Directory for keys and data, created 0700 (store.data_dir; default ./tessera-data)");
}

void ConfigFlags::add_server_flags() {
  listen_opt_ = cmd_->add_option("--listen", listen_,
                                 "ADDR:PORT to listen on ([::1]:PORT for IPv6; port 0 picks a "
                                 "free one) (server.listen; default 127.0.0.1:8080)");
  threads_opt_ = cmd_->add_option("--threads", threads_,
                                  "I/O threads, 0: one per core (server.threads; default 0)")
                     ->check(CLI::Range(0u, 1024u));
  tls_cert_opt_ = cmd_->add_option("--tls-cert", tls_cert_,
                                   "Serve HTTPS with this PEM certificate chain (server.tls_cert)");
  tls_key_opt_ = cmd_->add_option("--tls-key", tls_key_,
                                  "The PEM private key for --tls-cert (server.tls_key)");
}

std::expected<app::Config, std::string> ConfigFlags::load() const {
  auto given = [](const CLI::Option* o) { return o != nullptr && o->count() > 0; };
  app::ConfigSources sources;
  sources.file = file_;
  sources.environment = app::tessera_environment();
  if (given(data_dir_opt_)) sources.flags.data_dir = data_dir_;
  if (given(listen_opt_)) sources.flags.listen = listen_;
  if (given(threads_opt_)) sources.flags.threads = threads_;
  if (given(tls_cert_opt_)) sources.flags.tls_cert = tls_cert_;
  if (given(tls_key_opt_)) sources.flags.tls_key = tls_key_;
  return app::load_config(sources);
}

}  // namespace tessera::cli
