// tessera: one binary, subcommands. Exit codes: 0 ok, 1 rejected input (an invalid token),
// 2 unusable input (flags, files, malformed keys), with a one-line message on stderr.
// `tessera --version` prints "tessera X.Y.Z", TESSERA_VERSION being the CMake project version
// (src/cli/CMakeLists.txt), the same the .deb carries.
#include <iostream>

#include "cli/commands.h"
#include "cli/io.h"

int main(int argc, char** argv) {
  using namespace tessera::cli;
  CLI::App app{"Tessera: authentication server (sessions, JWTs, OAuth 2.0 / OIDC)", "tessera"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tessera " TESSERA_VERSION);
  Commands commands;
  add_jws_commands(app, commands);
  add_token_commands(app, commands);
  add_keys_commands(app, commands);
  add_serve_command(app, commands);
  add_config_commands(app, commands);
  add_migrate_command(app, commands);
  add_backup_commands(app, commands);
  add_user_commands(app, commands);
  add_outbox_commands(app, commands);
  add_audit_command(app, commands);
  add_client_commands(app, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(kExitUsage, std::string(e.what()) + " (see tessera --help)");
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) {
      try {
        return c.run();
      } catch (const std::exception& e) {  // last resort: a bug, never a crash dump
        return fail(kExitUsage, std::string("internal error: ") + e.what());
      }
    }
  }
  return fail(kExitUsage, "missing subcommand (see tessera --help)");
}
