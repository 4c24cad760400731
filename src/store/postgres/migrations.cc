#include "store/postgres/migrations.h"

#include <algorithm>
#include <chrono>

namespace tessera::store::postgres {
namespace {

// The advisory lock every migrating process holds for its migration transaction. Any constant
// does, as long as nothing else takes it (the session store's per-user locks are spread over
// the whole key space; one of them colliding with this would only make that user wait).
constexpr std::int64_t kMigrationLock = 0x7465'7373'6572'6131;  // "tessera1"

constexpr std::string_view kVersion =
    "SELECT coalesce(max(version), 0)::bigint FROM schema_version";

// The version in `row` (one BIGINT column), checked for sanity.
std::expected<int, StoreError> decode_version(const Result& result) {
  if (result.rows() != 1) return std::unexpected(StoreError::kCorrupt);
  Row row(result, 0);
  const std::int64_t v = row.integer(0);
  if (!row.ok() || v < 0 || v > 1'000'000) return std::unexpected(StoreError::kCorrupt);
  return static_cast<int>(v);
}

}  // namespace

int latest_version() { return migrations().back().version; }

std::expected<int, StoreError> schema_version(Op& op) {
  auto result = op.exec(kVersion);
  if (!result) return std::unexpected(result.error());
  auto version = decode_version(*result);
  if (!version) return std::unexpected(op.corrupt("schema_version"));
  return version;
}

std::expected<int, std::string> apply_migrations(Pool& pool) {
  // Not an Op: this runs before any store exists, wants the reasons in its own error, and
  // has a longer bound than one operation.
  auto lease = pool.acquire(pool.deadline());
  if (!lease) return std::unexpected("postgres: " + lease.error().reason);
  Connection& conn = **lease;
  const Deadline deadline =
      Clock::now() + std::max<std::chrono::milliseconds>(kMigrationTimeout, pool.timeout());
  // On any failure the connection is dropped, which ends (rolls back) the transaction.
  auto failed = [&](const std::string& what, const Failure& f) {
    conn.mark_broken();
    return std::unexpected("postgres: " + what + ": " + f.reason);
  };

  // statement_timeout 0: this transaction is bounded by `deadline` instead (connection.h sets
  // the per-operation backstop, too short for DDL or for waiting on another node).
  if (auto r = conn.execute_script("BEGIN; SET LOCAL statement_timeout = 0", deadline); !r) {
    return failed("cannot start the migration transaction", r.error());
  }
  if (auto r =
          conn.execute("SELECT pg_advisory_xact_lock($1)", Params().int8(kMigrationLock), deadline);
      !r) {
    return failed("cannot take the migration lock", r.error());
  }
  auto exists =
      conn.execute("SELECT to_regclass('schema_version') IS NOT NULL", Params(), deadline);
  if (!exists) return failed("cannot read the schema version", exists.error());
  Row row(*exists, 0);
  const bool has_version_table = row.boolean(0);
  if (!row.ok()) return failed("cannot read the schema version", Failure{.reason = "corrupt"});
  int current = 0;
  if (has_version_table) {
    auto read = conn.execute(kVersion, Params(), deadline);
    if (!read) return failed("cannot read the schema version", read.error());
    auto version = decode_version(*read);
    if (!version) return failed("cannot read the schema version", Failure{.reason = "corrupt"});
    current = *version;
  }
  if (current > latest_version()) {
    conn.mark_broken();
    return std::unexpected("postgres: the database schema is version " + std::to_string(current) +
                           ", newer than this tessera knows (" + std::to_string(latest_version()) +
                           "); refusing to use it: run a tessera at least as new as the one "
                           "that migrated it");
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  for (const Migration& m : migrations()) {
    if (m.version <= current) continue;
    const std::string what = "migration " + std::string(m.name);
    if (auto r = conn.execute_script(std::string(m.sql), deadline); !r) {
      return failed(what, r.error());
    }
    if (auto r = conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
            Params().int8(m.version).text(m.name).int8(now), deadline);
        !r) {
      return failed(what, r.error());
    }
  }
  if (auto r = conn.execute_script("COMMIT", deadline); !r) {
    return failed("cannot commit the migrations", r.error());
  }
  return latest_version();
}

}  // namespace tessera::store::postgres
