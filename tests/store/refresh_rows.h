// How many rows the refresh tables hold, read straight from a SQL backend's own tables (the
// conformance suite's constant-space test counts them around 10,000 rotations).
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>

#include "postgres_test_util.h"
#include "store/stores.h"

namespace tessera::store::testing {

struct RefreshRows {
  long families = -1;
  long legacy_tokens = -1;
  bool operator==(const RefreshRows&) const = default;
};

// nullopt for the memory backend (no tables); -1 in a field that could not be read.
inline std::optional<RefreshRows> refresh_row_counts(const StoreConfig& config) {
  static constexpr const char* kFamilies = "SELECT count(*) FROM refresh_families";
  static constexpr const char* kLegacy = "SELECT count(*) FROM refresh_legacy_tokens";
  RefreshRows rows;
  if (config.backend == "sqlite") {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(config.sqlite_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      for (auto [sql, out] :
           {std::pair{kFamilies, &rows.families}, {kLegacy, &rows.legacy_tokens}}) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
          *out = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
      }
    }
    sqlite3_close_v2(db);
    return rows;
  }
  if (config.backend == "postgres") {
    RawConnection conn(config.postgres_dsn);
    for (auto [sql, out] : {std::pair{kFamilies, &rows.families}, {kLegacy, &rows.legacy_tokens}}) {
      const std::string v = conn.scalar(sql);
      if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) *out = std::stol(v);
    }
    return rows;
  }
  return std::nullopt;
}

}  // namespace tessera::store::testing
