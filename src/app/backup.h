// `tessera backup` and `tessera restore` for the embedded store (store.backend = "sqlite"): the
// data dir's database copied out while servers run on it, and a copy put back while none does.
//
// Only the database: the master key that seals its signing keys and second-factor secrets
// (<data_dir>/master.key, or keys.encryption_key) is not in it and is not copied beside it. A
// copy of the database alone holds password hashes and sealed keys, no key that opens them; a
// copy with the key would be as secret as the key. So the key is kept apart, and a backup is
// useless without it (docs/operations.md, "Backups and restore").
//
// PostgreSQL has its own tools (pg_dump, pg_restore); the memory store has nothing to keep.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "app/config.h"

namespace tessera::app {

// Copies the database of `config` into `file` with SQLite's online backup API: one consistent
// snapshot, while servers keep serving (store/sqlite/backup.h). Written to a temporary file
// beside `file` (mode 0600), fsynced and renamed, so `file` is never seen half-written. An
// existing `file` is refused unless `force` (and never the live database itself). Returns the
// copy's schema version; the error is a message for stderr (exit 2).
std::expected<int, std::string> backup_store(const Config& config,
                                             const std::filesystem::path& file, bool force);

struct Restored {
  int schema_version = 0;
  // Where the database that was in place now is (renamed, never deleted); none if there was none.
  std::optional<std::filesystem::path> previous;
};

// Puts the backup `file` in place of the database of `config`, only while no server holds the
// data dir (DataDirLock, exclusive) and only if `file` is a Tessera database this binary can
// serve (a copy of it is checked first; an older schema is migrated when a server opens it).
// The database in place, with its -wal and -shm, is renamed to
// tessera.db.before-restore-<UTC time>, then the checked copy is renamed in. The error is a
// message for stderr (exit 2).
std::expected<Restored, std::string> restore_store(const Config& config,
                                                   const std::filesystem::path& file);

}  // namespace tessera::app
