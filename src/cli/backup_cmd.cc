// tessera backup FILE [--force] [--data-dir DIR] [--config FILE]
//   Copies the SQLite store's database (<store.data_dir>/tessera.db) to FILE, consistently, while
//   servers keep serving from it (app/backup.h). An existing FILE is refused unless --force.
//   Prints what it wrote and, on a second line, that FILE does not hold the master key.
// tessera restore FILE [--data-dir DIR] [--config FILE]
//   Puts the backup FILE in place of the data dir's database, after checking it is a Tessera
//   database, and only while no server runs on the data dir (it holds <data_dir>/tessera.lock).
//   The database it replaces is renamed, never deleted; the output names it.
// Exit 0 on success; 2 with a one-line message otherwise: bad flags, a missing FILE argument, an
// existing FILE, a FILE that is not a Tessera database, a running server, store.backend
// "postgres" (use pg_dump / pg_restore) or "memory".
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "app/backup.h"
#include "app/data_dir.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/io.h"

namespace tessera::cli {
namespace {

// Where the master key of `config` is: what a backup needs beside it, and a restore under it.
std::string master_key_source(const app::Config& config) {
  if (!config.keys.encryption_key.empty()) return "keys.encryption_key";
  return app::master_key_file(config.store.data_dir).string();
}

struct FileArgs {
  std::string file;
  bool force = false;
};

}  // namespace

void add_backup_commands(CLI::App& root, Commands& out) {
  CLI::App* backup = root.add_subcommand(
      "backup", "Copy the SQLite database to FILE while servers run (not the master key)");
  auto backup_args = std::make_shared<FileArgs>();
  backup->add_option("FILE", backup_args->file, "The backup file to write")->required();
  backup->add_flag("--force", backup_args->force, "Replace FILE if it exists");
  auto backup_flags = std::make_shared<ConfigFlags>(backup);
  out.push_back({backup, [backup_args, backup_flags] {
                   auto config = backup_flags->load();
                   if (!config) return fail(kExitUsage, config.error());
                   auto version = app::backup_store(*config, backup_args->file, backup_args->force);
                   if (!version) return fail(kExitUsage, version.error());
                   std::cout << "backed up " << app::database_file(config->store.data_dir).string()
                             << " (schema version " << *version << ") to " << backup_args->file
                             << "\n"
                             << "the master key is not in it: keep a copy of "
                             << master_key_source(*config)
                             << " apart; without it a restored database's signing keys and "
                                "second factors cannot be opened"
                             << std::endl;
                   return kExitOk;
                 }});

  CLI::App* restore = root.add_subcommand(
      "restore", "Replace the SQLite database by a backup (no server may be running on it)");
  auto restore_args = std::make_shared<FileArgs>();
  restore->add_option("FILE", restore_args->file, "The backup file to restore")->required();
  auto restore_flags = std::make_shared<ConfigFlags>(restore);
  out.push_back({restore, [restore_args, restore_flags] {
                   auto config = restore_flags->load();
                   if (!config) return fail(kExitUsage, config.error());
                   auto restored = app::restore_store(*config, restore_args->file);
                   if (!restored) return fail(kExitUsage, restored.error());
                   std::cout << "restored " << restore_args->file << " (schema version "
                             << restored->schema_version << ") as "
                             << app::database_file(config->store.data_dir).string() << "\n";
                   if (restored->previous) {
                     std::cout << "the database it replaced is kept as "
                               << restored->previous->string() << "\n";
                   }
                   std::cout << "its signing keys and second factors open only with the master "
                                "key they were sealed under: "
                             << master_key_source(*config) << " must be that key" << std::endl;
                   const auto key_file = app::master_key_file(config->store.data_dir);
                   if (config->keys.encryption_key.empty() && !std::filesystem::exists(key_file)) {
                     std::cout << key_file.string()
                               << " does not exist: copy that key there before starting a server "
                                  "(a server would make a new key, which opens none of them)"
                               << std::endl;
                   }
                   return kExitOk;
                 }});
}

}  // namespace tessera::cli
