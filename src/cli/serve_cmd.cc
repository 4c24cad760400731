// tessera serve: the HTTP server on the embedded default (SPEC.md "Running"). Exit 0 after a
// graceful SIGINT/SIGTERM shutdown; 2 when it cannot start (configuration, data dir, keys,
// address).
// tessera routes (hidden, for the OpenAPI check: docs/api.md): the routes `serve` with the same
// flags would register, one "METHOD path" line each, sorted; nothing is bound. Exit 2 when the
// configuration or the stores cannot be opened.
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

  CLI::App* routes = root.add_subcommand("routes", "List the routes serve would register");
  routes->group("");  // hidden: a tool for the API description's check, not for operators
  auto routes_flags = std::make_shared<ConfigFlags>(routes);
  routes_flags->add_server_flags();
  out.push_back({routes, [routes_flags] {
                   auto config = routes_flags->load();
                   if (!config) return fail(kExitUsage, config.error());
                   auto list = app::route_list(*config);
                   if (!list) return fail(kExitUsage, list.error());
                   for (const auto& [method, path] : *list)
                     std::cout << method << ' ' << path << '\n';
                   return kExitOk;
                 }});
}

}  // namespace tessera::cli
