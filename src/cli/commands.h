// Each subcommand file registers its CLI11 subcommands here: the parsed one's `run` is called
// by main after parsing succeeds, so no command runs inside CLI11's exception-based parser.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace tessera::cli {

struct Command {
  CLI::App* app;             // the leaf subcommand
  std::function<int()> run;  // returns the process exit code
};
using Commands = std::vector<Command>;

void add_jws_commands(CLI::App& root, Commands& out);     // jws sign|verify
void add_token_commands(CLI::App& root, Commands& out);   // token verify|decode
void add_keys_commands(CLI::App& root, Commands& out);    // keys generate|public
void add_serve_command(CLI::App& root, Commands& out);    // serve, routes (hidden)
void add_config_commands(CLI::App& root, Commands& out);  // config print|reference
void add_migrate_command(CLI::App& root, Commands& out);  // migrate
void add_backup_commands(CLI::App& root, Commands& out);  // backup, restore
void add_user_commands(CLI::App& root, Commands& out);    // user add|list|show|disable|enable|
                                                          //   revoke|set-roles|reset-password
void add_outbox_commands(CLI::App& root, Commands& out);  // outbox list|show|purge
void add_audit_command(CLI::App& root, Commands& out);    // audit
void add_client_commands(CLI::App& root, Commands& out);  // client add|list|show|remove|...

}  // namespace tessera::cli
