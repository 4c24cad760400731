// Copies of the embedded store's database file, for `tessera backup` and `tessera restore`
// (app/backup.h arranges the files; this is the part that speaks SQLite).
#pragma once

#include <expected>
#include <string>

namespace tessera::store::sqlite {

// Copies the Tessera database at `source` into `destination` with SQLite's online backup API
// (sqlite3_backup_init/step/finish), safe while servers and the CLI read and write `source`
// (WAL mode): all pages are copied in ONE step, inside one read transaction of `source`, so the
// copy is the database as one snapshot - every transaction committed before it began, none
// after - and writers carry on meanwhile. The copy is then put in rollback-journal mode, one
// self-contained file with no -wal beside it. `destination` must be absent or an empty file (a
// new file's mode is the caller's to set: create it first). Refused: a `source` that does not
// exist (never created empty) or is not a Tessera database. Returns the copy's schema version.
std::expected<int, std::string> backup_database(const std::string& source,
                                                const std::string& destination);

// Whether the file at `path` is a Tessera database this binary can serve: an SQLite database
// whose quick_check passes, with a schema_version table at a version from 1 to
// latest_version() (an older one is migrated when a server opens it). Opens the file for
// writing (a database in WAL mode cannot be read otherwise without its -shm), changes nothing.
// Returns its schema version; the error says what the file is instead, calling it `name` (the
// file the user named, of which `path` may be a copy).
std::expected<int, std::string> check_database(const std::string& path, const std::string& name);

}  // namespace tessera::store::sqlite
