// tessera migrate [--data-dir DIR] [--config FILE]: applies pending schema migrations to the
// configured store (SPEC.md "Running": the same --data-dir/--config, and TESSERA_* environment,
// as every other subcommand, through ConfigFlags) and prints "schema version N". For the
// embedded SQLite store that is <store.data_dir>/tessera.db, created with its directory if
// absent; the memory store has no schema ("schema version 0"). Safe while a server runs on the
// same file. Exit 0 on success, 2 with a message otherwise (unusable configuration, a database
// newer than this binary, a file that is not a database).
#include <iostream>
#include <memory>

#include "app/data_dir.h"
#include "app/services.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"
#include "store/stores.h"

namespace tessera::cli {

void add_migrate_command(CLI::App& root, Commands& out) {
  CLI::App* migrate = root.add_subcommand("migrate", "Apply pending database schema migrations");
  auto flags = std::make_shared<ConfigFlags>(migrate);
  out.push_back({migrate, [flags] {
                   auto config = flags->load();
                   if (!config) return fail(kExitUsage, config.error());
                   if (config->store.backend == "sqlite") {  // its file lives in the data dir
                     if (auto dir = app::ensure_data_dir(config->store.data_dir); !dir) {
                       return fail(kExitUsage, dir.error());
                     }
                   }
                   auto version = store::migrate(app::store_config(*config));
                   if (!version) return fail(kExitUsage, version.error());
                   std::cout << "schema version " << *version << std::endl;
                   return kExitOk;
                 }});
}

}  // namespace tessera::cli
