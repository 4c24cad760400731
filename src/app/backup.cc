#include "app/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "app/data_dir.h"
#include "app/files.h"
#include "store/sqlite/backup.h"

namespace tessera::app {
namespace {

namespace fs = std::filesystem;
using files::errno_text;

// The stores these commands serve, and what to use for the others.
std::expected<void, std::string> sqlite_only(const Config& config) {
  if (config.store.backend == "postgres") {
    return std::unexpected(
        "store.backend is \"postgres\": back up and restore with PostgreSQL's own tools "
        "(pg_dump, pg_restore); see docs/operations.md");
  }
  if (config.store.backend != "sqlite") {
    return std::unexpected("store.backend is \"" + config.store.backend +
                           "\": nothing is stored to back up or restore");
  }
  return {};
}

std::string path_text(const fs::path& p) { return p.string(); }

// "20260123T101500Z": now, UTC, for the name a replaced database is kept under.
std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

// The file's bytes into `out`, fsynced.
std::expected<void, std::string> copy_into(const fs::path& from, int out) {
  files::Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return std::unexpected("cannot read " + path_text(from) + ": " + errno_text());
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected("cannot read " + path_text(from) + ": " + errno_text());
    if (n == 0) break;
    if (auto w = files::write_all(out, std::string_view(buf, static_cast<std::size_t>(n))); !w) {
      return std::unexpected("cannot write a copy of " + path_text(from) + ": " + w.error());
    }
  }
  if (::fsync(out) != 0) return std::unexpected("cannot sync a copy: " + errno_text());
  return {};
}

// `from` renamed to `to` if it exists.
std::expected<void, std::string> rename_if_present(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) == 0 || errno == ENOENT) return {};
  return std::unexpected("cannot rename " + path_text(from) + ": " + errno_text());
}

// Moves the database in place aside, with its -wal and -shm (a WAL left by a server that did not
// stop cleanly holds committed transactions): linked first, so the name `db` never lacks a
// database, and the -wal moved before the restored copy arrives (SQLite would apply a stale WAL
// to it). Returns the new name.
std::expected<fs::path, std::string> set_aside(const fs::path& db) {
  fs::path aside = db.string() + ".before-restore-" + utc_stamp();
  for (int n = 2; fs::exists(aside) || fs::exists(aside.string() + "-wal"); ++n) {
    aside = db.string() + ".before-restore-" + utc_stamp() + "-" + std::to_string(n);
  }
  if (::link(db.c_str(), aside.c_str()) != 0) {
    return std::unexpected("cannot keep " + path_text(db) + " as " + path_text(aside) + ": " +
                           errno_text());
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    auto moved = rename_if_present(db.string() + suffix, aside.string() + suffix);
    if (!moved) return std::unexpected(moved.error());
  }
  return aside;
}

}  // namespace

std::expected<int, std::string> backup_store(const Config& config, const fs::path& file,
                                             bool force) {
  if (auto ok = sqlite_only(config); !ok) return std::unexpected(ok.error());
  const fs::path db = database_file(config.store.data_dir);
  std::error_code ec;
  if (!fs::is_regular_file(db, ec)) {
    return std::unexpected("no database at " + path_text(db) +
                           " (wrong --data-dir? nothing has been stored yet?)");
  }
  if (fs::exists(file, ec)) {
    if (fs::is_directory(file, ec)) return std::unexpected(path_text(file) + " is a directory");
    if (fs::equivalent(file, db, ec)) {
      return std::unexpected(path_text(file) + " is the live database itself");
    }
    if (!force) return std::unexpected(path_text(file) + " exists (--force replaces it)");
  }
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  auto tmp = files::make_temporary(dir, "." + file.filename().string() + ".partial");
  if (!tmp) return std::unexpected(tmp.error());
  auto discard = [&] {
    ::unlink(tmp->path.c_str());
    ::unlink((tmp->path.string() + "-journal").c_str());
  };
  auto version = store::sqlite::backup_database(db.string(), tmp->path.string());
  if (!version) {
    discard();
    return std::unexpected(version.error());
  }
  if (::fsync(tmp->fd.get()) != 0 || ::rename(tmp->path.c_str(), file.c_str()) != 0) {
    const std::string why = errno_text();
    discard();
    return std::unexpected("cannot write " + path_text(file) + ": " + why);
  }
  files::sync_dir(dir);
  return version;
}

std::expected<Restored, std::string> restore_store(const Config& config, const fs::path& file) {
  if (auto ok = sqlite_only(config); !ok) return std::unexpected(ok.error());
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return std::unexpected(path_text(file) +
                           (fs::exists(file, ec) ? " is not a regular file" : " does not exist"));
  }
  const fs::path dir = config.store.data_dir;
  if (auto made = ensure_data_dir(dir); !made) return std::unexpected(made.error());
  auto lock = DataDirLock::acquire(dir, DataDirLock::Mode::kExclusive);
  if (!lock) return std::unexpected(lock.error());

  // The copy is what gets checked and renamed in: the backup file itself is only read.
  auto tmp = files::make_temporary(dir, ".tessera.db.restoring");
  if (!tmp) return std::unexpected(tmp.error());
  auto discard = [&] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      ::unlink((tmp->path.string() + suffix).c_str());
    }
  };
  if (auto copied = copy_into(file, tmp->fd.get()); !copied) {
    discard();
    return std::unexpected(copied.error());
  }
  auto version = store::sqlite::check_database(tmp->path.string(), path_text(file));
  if (!version) {
    discard();
    return std::unexpected(version.error());
  }
  Restored restored{.schema_version = *version, .previous = std::nullopt};
  const fs::path db = database_file(dir);
  if (fs::exists(db, ec)) {
    auto aside = set_aside(db);
    if (!aside) {
      discard();
      return std::unexpected(aside.error());
    }
    restored.previous = *aside;
  }
  if (::rename(tmp->path.c_str(), db.c_str()) != 0) {
    const std::string why = errno_text();
    discard();
    return std::unexpected("cannot put the backup in place as " + path_text(db) + ": " + why);
  }
  files::sync_dir(dir);
  return restored;
}

}  // namespace tessera::app
