#include "store/sqlite/migrations.h"

#include <chrono>

namespace tessera::store::sqlite {

int latest_version() { return migrations().back().version; }

std::expected<int, StoreError> schema_version(Connection& conn) {
  // sqlite_master (not sqlite_schema): both name the same table; this one is the older name.
  auto exists = conn.prepare(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (!exists) return std::unexpected(to_store_error(exists.error()));
  int rc = exists->step();
  if (rc != SQLITE_ROW) return std::unexpected(to_store_error(rc));
  if (sqlite3_column_int64(exists->get(), 0) == 0) return 0;

  auto version = conn.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!version) return std::unexpected(to_store_error(version.error()));
  rc = version->step();
  if (rc != SQLITE_ROW) return std::unexpected(to_store_error(rc));
  Row row(*version);
  const std::int64_t v = row.integer(0);
  if (!row.ok() || v < 0 || v > 1'000'000) return std::unexpected(StoreError::kCorrupt);
  return static_cast<int>(v);
}

std::expected<int, std::string> apply_migrations(Database& db) {
  // Not Database::write(): this runs before any store exists and wants SQLite's own messages.
  auto lease = db.acquire();
  if (!lease) return std::unexpected(db.options().path + ": cannot open a connection");
  Connection& conn = **lease;
  auto failed = [&](std::string what) -> std::unexpected<std::string> {
    std::string msg = db.options().path + ": " + what + ": " + conn.errmsg();
    if (!sqlite3_get_autocommit(conn.raw())) conn.exec("ROLLBACK");
    return std::unexpected(std::move(msg));
  };
  if (conn.exec("BEGIN IMMEDIATE") != SQLITE_OK) return failed("cannot start a transaction");
  auto current = schema_version(conn);
  if (!current) return failed("cannot read the schema version");
  if (*current > latest_version()) {
    conn.exec("ROLLBACK");
    return std::unexpected(db.options().path + ": the database schema is version " +
                           std::to_string(*current) + ", newer than this tessera knows (" +
                           std::to_string(latest_version()) +
                           "); refusing to use it: run a tessera at least as new as the one "
                           "that migrated it");
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  for (const Migration& m : migrations()) {
    if (m.version <= *current) continue;
    const std::string sql(m.sql);  // sqlite3_exec runs every statement of the file
    if (conn.exec(sql.c_str()) != SQLITE_OK) return failed("migration " + std::string(m.name));
    auto record =
        conn.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?1, ?2, ?3)");
    if (!record) return failed("migration " + std::string(m.name));
    record->bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, now);
    if (record->step() != SQLITE_DONE) return failed("migration " + std::string(m.name));
  }
  if (conn.exec("COMMIT") != SQLITE_OK) return failed("cannot commit the migrations");
  return latest_version();
}

}  // namespace tessera::store::sqlite
