// tessera serve: the HTTP server on the embedded default (SPEC.md "Running"). Exit 0 after a
// graceful SIGINT/SIGTERM shutdown; 2 when it cannot start (configuration, data dir, keys,
// address).
#include <iostream>
#include <memory>

#include "app/app.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"

namespace tessera::cli {

void add_serve_command(CLI::App& root, Commands& out) {
  CLI::App* serve = root.add_subcommand("serve", "Run the HTTP server");
  auto flags = std::make_shared<ConfigFlags>(serve);
  flags->add_server_flags();
  out.push_back({serve, [flags] {
                   auto config = flags->load();
                   if (!config) return fail(kExitUsage, config.error());
                   auto served = app::serve(*config, std::cout);
                   if (!served) return fail(kExitUsage, served.error());
                   return kExitOk;
                 }});
}

}  // namespace tessera::cli
