// tessera config print [--config FILE] [--data-dir DIR]: the effective configuration (defaults,
// then the file, then TESSERA_<SECTION>__<KEY> variables, then flags) as TOML, secrets masked.
// The output is itself a valid --config file. Exit 0; 2 (with a message naming the file,
// variable or flag and the key) when the configuration is unusable.
//
// tessera config reference: every key's type, default, environment variable and meaning as
// Markdown, from the configuration table and the defaults alone (no file, environment or flag is
// read), so docs/configuration.md is its output, byte for byte. Exit 0.
#include <iostream>
#include <memory>

#include "app/config.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"

namespace tessera::cli {

void add_config_commands(CLI::App& root, Commands& out) {
  CLI::App* config = root.add_subcommand("config", "Inspect the configuration");
  config->require_subcommand(1);
  CLI::App* print =
      config->add_subcommand("print", "Print the effective configuration (secrets masked)");
  auto flags = std::make_shared<ConfigFlags>(print);
  out.push_back({print, [flags] {
                   auto loaded = flags->load();
                   if (!loaded) return fail(kExitUsage, loaded.error());
                   std::cout << app::to_toml(*loaded) << std::flush;
                   return kExitOk;
                 }});
  CLI::App* reference = config->add_subcommand(
      "reference", "Print every key's type, default, variable and meaning (Markdown)");
  out.push_back({reference, [] {
                   std::cout << app::reference_markdown() << std::flush;
                   return kExitOk;
                 }});
}

}  // namespace tessera::cli
