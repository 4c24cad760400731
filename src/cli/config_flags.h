// The configuration flags of the subcommands (SPEC.md "Running"): --config FILE and
// --data-dir DIR for every subcommand that works on the store, plus serve's --listen,
// --threads, --tls-cert and --tls-key. load() merges them over the file and the environment
// (app/config.h: defaults < file < TESSERA_* environment < flags).
//
// Usage (in an add_*_command):
//   auto flags = std::make_shared<ConfigFlags>(cmd);   // adds --config, --data-dir
//   out.push_back({cmd, [flags] {
//     auto config = flags->load();
//     if (!config) return fail(kExitUsage, config.error());
//     ... config->store.data_dir ...
//   }});
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <expected>
#include <string>

#include "app/config.h"

namespace tessera::cli {

class ConfigFlags {
 public:
  // Adds --config and --data-dir to `cmd`. The object must outlive the parse (keep it in a
  // shared_ptr captured by the command's run function).
  explicit ConfigFlags(CLI::App* cmd);
  ConfigFlags(const ConfigFlags&) = delete;
  ConfigFlags& operator=(const ConfigFlags&) = delete;

  // Adds serve's --listen, --threads, --tls-cert and --tls-key.
  void add_server_flags();

  // The effective configuration: an error message (naming file, variable or flag) for exit 2.
  std::expected<app::Config, std::string> load() const;

 private:
  CLI::App* cmd_;
  std::string file_, data_dir_, listen_, tls_cert_, tls_key_;
  std::uint32_t threads_ = 0;
  CLI::Option* data_dir_opt_ = nullptr;
  CLI::Option* listen_opt_ = nullptr;
  CLI::Option* threads_opt_ = nullptr;
  CLI::Option* tls_cert_opt_ = nullptr;
  CLI::Option* tls_key_opt_ = nullptr;
};

}  // namespace tessera::cli
