#include "store/sqlite/backup.h"

#include <memory>

#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"

namespace tessera::store::sqlite {
namespace {

// The connection to an existing file (never creating one), with SQLite's messages.
std::expected<std::unique_ptr<Connection>, std::string> open_existing(const std::string& path) {
  return Connection::open(Options{.path = path}, /*create=*/false);
}

// The schema version of a Tessera database, within what this binary knows.
std::expected<int, std::string> tessera_version(Connection& conn, const std::string& path) {
  auto version = schema_version(conn);
  if (!version) {
    return std::unexpected(path + " is not a Tessera database (" + conn.errmsg() + ")");
  }
  if (*version < 1) {
    return std::unexpected(path + " is an SQLite database but not Tessera's (no schema_version)");
  }
  if (*version > latest_version()) {
    return std::unexpected(path + " has schema version " + std::to_string(*version) +
                           ", newer than this tessera knows (" + std::to_string(latest_version()) +
                           "): use a tessera at least as new as the one that wrote it");
  }
  return *version;
}

// PRAGMA quick_check: "ok", or the first problem it reports.
std::expected<void, std::string> quick_check(Connection& conn, const std::string& path) {
  auto st = conn.prepare("PRAGMA quick_check(1)");
  if (!st) return std::unexpected(path + " is not a Tessera database (" + conn.errmsg() + ")");
  if (st->step() != SQLITE_ROW) {
    return std::unexpected(path + " is not a Tessera database (" + conn.errmsg() + ")");
  }
  Row row(*st);
  std::string result = row.text(0);
  if (result != "ok") return std::unexpected(path + " is damaged: " + result);
  return {};
}

}  // namespace

std::expected<int, std::string> backup_database(const std::string& source,
                                                const std::string& destination) {
  auto from = open_existing(source);
  if (!from) return std::unexpected(from.error());
  auto version = tessera_version(**from, source);
  if (!version) return std::unexpected(version.error());
  auto to = open_existing(destination);
  if (!to) return std::unexpected(to.error());

  sqlite3_backup* backup = sqlite3_backup_init((*to)->raw(), "main", (*from)->raw(), "main");
  if (backup == nullptr)
    return std::unexpected("cannot back up to " + destination + ": " + (*to)->errmsg());
  // -1: every page in this one step, under one read transaction of the source (one snapshot).
  const int step = sqlite3_backup_step(backup, -1);
  const int finish = sqlite3_backup_finish(backup);
  if (step != SQLITE_DONE || finish != SQLITE_OK) {
    return std::unexpected("backup of " + source +
                           " failed: " + sqlite3_errstr(step != SQLITE_DONE ? step : finish));
  }
  // The copy carries the source's WAL flag; one self-contained file is what a backup should be.
  if ((*to)->exec("PRAGMA journal_mode = DELETE") != SQLITE_OK) {
    return std::unexpected("cannot finish " + destination + ": " + (*to)->errmsg());
  }
  return tessera_version(**to, destination);
}

std::expected<int, std::string> check_database(const std::string& path, const std::string& name) {
  auto conn = open_existing(path);
  // The message names `path`, which may be a copy the user never heard of.
  if (!conn) return std::unexpected(name + " is not a Tessera database (not an SQLite database)");
  if (auto ok = quick_check(**conn, name); !ok) return std::unexpected(ok.error());
  return tessera_version(**conn, name);
}

}  // namespace tessera::store::sqlite
