// tessera migrate [--data-dir DIR]: applies pending schema migrations to <DIR>/tessera.db (the
// embedded SQLite store; created, with DIR, if absent) and prints "schema version N". Safe
// while a server runs on the same file. Exit 0 on success, 2 with a message otherwise
// (including a database newer than this binary).
#include <iostream>
#include <memory>
#include <string>

#include "app/keyring_file.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "store/stores.h"

namespace tessera::cli {

void add_migrate_command(CLI::App& root, Commands& out) {
  auto data_dir = std::make_shared<std::string>("./tessera-data");
  CLI::App* migrate = root.add_subcommand("migrate", "Apply pending database schema migrations");
  migrate->add_option("--data-dir", *data_dir, "Directory of the data (the SQLite file tessera.db)")
      ->capture_default_str();
  out.push_back({migrate, [data_dir] {
                   if (auto dir = app::ensure_data_dir(*data_dir); !dir) {
                     return fail(kExitUsage, dir.error());
                   }
                   auto version = store::migrate({.backend = "sqlite",
                                                  .sqlite_path = *data_dir + "/tessera.db",
                                                  .on_error = nullptr});
                   if (!version) return fail(kExitUsage, version.error());
                   std::cout << "schema version " << *version << std::endl;
                   return kExitOk;
                 }});
}

}  // namespace tessera::cli
