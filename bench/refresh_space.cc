// refresh_space: the space refresh-token families take on disk after many rotations (issue 15:
// families in constant space, goal <= 1 KiB per family after 10,000 rotations; the design
// before it wrote a token row per rotation, ~180 bytes, ~1.8 MB per family). On a FRESH store:
//
//   1. creates F x K users and one family each (RefreshStore::create, the fields a login gives
//      a family: generation 1, a client IP and a browser's User-Agent), of which every K-th is
//      rotated below and the others stay idle (--spread K, default 1: all rotated);
//   2. measures the store's size with those F families and no rotation ("before");
//   3. rotates every family R times through the real RefreshStore::rotate, round-robin (each
//      thread rotates each of its families once per round, so every row keeps being rewritten
//      throughout, as a deployment's are), on T threads, each with its own group of families;
//      every call must answer kRotated at the next generation;
//   4. measures the size again ("after"), with no VACUUM of any kind before it.
//
//   refresh_space --backend sqlite [--data-dir D] [--families F] [--rotations R] [--threads T]
//                 [--spread K]
//       the SQLite store as `tessera serve --data-dir D` opens it (store::open_stores: WAL,
//       synchronous=NORMAL, its checkpointer). D must not hold a tessera.db; without it, a
//       temporary directory, removed at exit. Size: tessera.db + tessera.db-wal, measured with
//       the stores closed, after PRAGMA wal_checkpoint(TRUNCATE) on a raw connection (the WAL
//       is then empty: everything is in the database file). Also the pages of the two refresh
//       tables and their indexes (dbstat), comparable with PostgreSQL's figure.
//   refresh_space --backend postgres --dsn DSN [--families F] [--rotations R] [--threads T]
//                 [--spread K]
//       the PostgreSQL store on DSN (store::open_stores applies the migrations), which must be
//       a database of its own whose refresh tables are still empty (bench/http/refresh_space.sh
//       creates one). Size: pg_total_relation_size('refresh_families') +
//       pg_total_relation_size('refresh_legacy_tokens') (heap, indexes, TOAST, free-space and
//       visibility maps). "before" is taken after a VACUUM of the freshly created families, so
//       that their free-space and visibility maps exist (as on any table autovacuum has
//       visited; autovacuum makes them during the rotations anyway) and are not counted as the
//       rotations' growth. "after" is taken as the rotations and autovacuum left the tables;
//       then, separately labelled, after a plain VACUUM. Also the share of HOT updates and the
//       server's durability settings (fsync, synchronous_commit), so that a run on a
//       non-durable server says so.
//
// Why --spread: a deployment's families are many, and few rotate at the same moment, so two
// concurrent rotations rarely touch the same table page. With K = 1 the F families share a few
// pages that T threads rewrite without pause: on PostgreSQL a page is then nearly always pinned
// by another backend, page pruning (which needs the page to itself) keeps failing, and updates
// that find no room on their page move off it (not HOT), which grows the table until autovacuum
// frees that space for reuse. That is the worst case, measured with K = 1; K = 32 puts each
// rotated family on a page of its own among idle ones (about 20 family rows per page), the
// density of a deployment where 3% of the families rotate at once. Growth is divided by F (the
// rotated families), the bytes per family by F x K (all of them).
//
// Defaults: F = 64 families, R = 10,000 rotations each, K = 1; T = 1 thread on SQLite (one writer
// per file: more threads only queue), 16 on PostgreSQL (a node's connection pool, and pgbench's
// client count in bench/http/run.sh). Why 64 families: enough rows to fill several pages of the
// family table and of its indexes (a family row is about 200 bytes: about 20 rows per 4 KiB
// SQLite page, and per 8 KiB PostgreSQL page filled to 70%), so a page split, or an update that
// cannot stay on its page (not HOT, on PostgreSQL), shows up as growth instead of vanishing in
// one page's slack; 4 families per PostgreSQL thread; and few enough that the 640,000 rotations
// take under a minute on SQLite (each a local transaction) and minutes, not hours, on a durable
// PostgreSQL (each a commit).
//
// Prints one JSON line:
//   {"backend", "families" (F, rotated), "spread" (K), "idle_families" (F x (K - 1)),
//    "rotations_per_family", "threads", "seconds", "rotations_per_s", "bytes_before",
//    "bytes_after", "bytes_per_family_before", "bytes_per_family_after" (bytes / (F x K)),
//    "growth_per_family" = (after - before) / F, "growth_per_rotation", "measured" (what the
//    bytes are), and per backend: sqlite "wal_bytes_after", "page_size", "freelist_pages_after",
//    "refresh_tables_bytes_before", "refresh_tables_bytes_after" (null without dbstat);
//    postgres "bytes_after_vacuum", "bytes_per_family_after_vacuum", "heap_bytes_*",
//    "index_bytes_*", "updates", "hot_updates", "hot_update_pct", "dead_tuples_after",
//    "autovacuums_during", "server_version", "fsync", "synchronous_commit"}
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/hash.h"
#include "store/stores.h"

namespace {

using namespace tessera;
using nlohmann::json;

struct Args {
  std::string backend;
  std::string data_dir;
  std::string dsn;
  std::size_t families = 64;
  std::int64_t rotations = 10'000;
  std::size_t threads = 0;  // 0: the backend's default
  std::size_t spread = 1;   // one rotated family per `spread` stored (the others idle)
};

[[noreturn]] void usage(std::string_view error) {
  std::fprintf(stderr,
               "refresh_space: %.*s\nusage: refresh_space --backend sqlite [--data-dir D] | "
               "--backend postgres --dsn DSN; [--families F] [--rotations R] [--threads T] "
               "[--spread K]\n",
               static_cast<int>(error.size()), error.data());
  std::exit(2);
}

[[noreturn]] void fail(std::string_view what) {
  std::fprintf(stderr, "refresh_space: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(1);
}

std::size_t number(std::string_view s, std::string_view what) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) usage("bad " + std::string(what));
  return v;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string_view k = argv[i];
    if (i + 1 >= argc) usage(std::string(k) + ": a value is needed");
    std::string_view v = argv[++i];
    if (k == "--backend")
      a.backend = v;
    else if (k == "--data-dir")
      a.data_dir = v;
    else if (k == "--dsn")
      a.dsn = v;
    else if (k == "--families")
      a.families = number(v, k);
    else if (k == "--rotations")
      a.rotations = static_cast<std::int64_t>(number(v, k));
    else if (k == "--threads")
      a.threads = number(v, k);
    else if (k == "--spread")
      a.spread = number(v, k);
    else
      usage("unknown flag " + std::string(k));
  }
  if (a.backend != "sqlite" && a.backend != "postgres") usage("--backend sqlite|postgres");
  if (a.backend == "postgres" && a.dsn.empty()) usage("--backend postgres needs --dsn");
  if (a.families == 0 || a.rotations <= 0 || a.spread == 0) usage("counts must be positive");
  if (a.threads == 0) a.threads = a.backend == "sqlite" ? 1 : 16;
  a.threads = std::min(a.threads, a.families);
  return a;
}

std::int64_t now_unix() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::uintmax_t file_size_or_0(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

// ---------------------------------------------------------------- SQLite sizes

struct SqliteSize {
  std::uintmax_t bytes = 0;  // tessera.db + tessera.db-wal
  std::uintmax_t wal = 0;
  std::int64_t page_size = 0;
  std::int64_t freelist_pages = 0;
  std::optional<std::int64_t> refresh_tables;  // dbstat; nullopt without it
};

// One integer from the first column of `sql`'s first row.
std::optional<std::int64_t> sqlite_int(sqlite3* db, const char* sql, int column = 0) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) return std::nullopt;
  std::optional<std::int64_t> v;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, column);
  sqlite3_finalize(st);
  return v;
}

// The database's size with no connection of the stores open: the WAL checkpointed into the
// database file and truncated, on a connection of our own.
SqliteSize sqlite_size(const std::filesystem::path& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    fail("sqlite3_open_v2 " + db_path.string());
  }
  sqlite3_busy_timeout(db, 5000);
  // Columns: busy (0: the checkpoint completed), WAL frames, frames checkpointed.
  const auto busy = sqlite_int(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (busy != 0) fail("PRAGMA wal_checkpoint(TRUNCATE) did not complete");
  SqliteSize s;
  s.page_size = sqlite_int(db, "PRAGMA page_size").value_or(0);
  s.freelist_pages = sqlite_int(db, "PRAGMA freelist_count").value_or(0);
  s.refresh_tables = sqlite_int(
      db,
      "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema "
      "WHERE tbl_name IN ('refresh_families', 'refresh_legacy_tokens'))");
  sqlite3_close_v2(db);
  s.wal = file_size_or_0(db_path.string() + "-wal");
  s.bytes = file_size_or_0(db_path) + s.wal;
  return s;
}

// ---------------------------------------------------------------- PostgreSQL sizes

class Pg {
 public:
  explicit Pg(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) fail(std::string("connect: ") + PQerrorMessage(conn_));
  }
  ~Pg() { PQfinish(conn_); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  // The first row of `sql` as text (NULL as ""). Exits on an error.
  std::vector<std::string> row(const char* sql) {
    PGresult* r = PQexec(conn_, sql);
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      const std::string e = PQresultErrorMessage(r);
      PQclear(r);
      fail(std::string(sql) + ": " + e);
    }
    std::vector<std::string> out;
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) {
      for (int c = 0; c < PQnfields(r); ++c) out.emplace_back(PQgetvalue(r, 0, c));
    }
    PQclear(r);
    return out;
  }
  void exec(const char* sql) { row(sql); }

 private:
  PGconn* conn_;
};

std::int64_t to_int(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

struct PgSize {
  std::int64_t bytes = 0;  // both tables, everything pg_total_relation_size counts
  std::int64_t heap = 0;   // refresh_families' main fork
  std::int64_t index = 0;  // refresh_families' indexes
};

PgSize pg_size(Pg& pg) {
  const auto r = pg.row(
      "SELECT pg_total_relation_size('refresh_families') + "
      "pg_total_relation_size('refresh_legacy_tokens'), pg_relation_size('refresh_families'), "
      "pg_indexes_size('refresh_families')");
  return {.bytes = to_int(r.at(0)), .heap = to_int(r.at(1)), .index = to_int(r.at(2))};
}

struct PgStats {
  std::int64_t updates = 0, hot_updates = 0, dead = 0, autovacuums = 0;
};

PgStats pg_stats(Pg& pg) {
  const auto r = pg.row(
      "SELECT n_tup_upd, n_tup_hot_upd, n_dead_tup, autovacuum_count FROM pg_stat_user_tables "
      "WHERE relname = 'refresh_families'");
  if (r.size() != 4) fail("no statistics for refresh_families");
  return {to_int(r[0]), to_int(r[1]), to_int(r[2]), to_int(r[3])};
}

// ---------------------------------------------------------------- the families

struct Family {
  store::FamilyId id{};
  std::int64_t generation = 1;
};

store::UserId random_id() {
  store::UserId id{};
  const std::string r = crypto::random_bytes(id.size());
  std::copy(r.begin(), r.end(), id.begin());
  return id;
}

// F x K users and one family each, as a login of each would leave them, in this order (so in
// this order in the table's pages); returns every K-th: the families to rotate.
std::vector<Family> create_families(store::Stores& stores, std::size_t n, std::size_t spread) {
  const std::int64_t now = now_unix();
  std::vector<Family> out;
  for (std::size_t i = 0; i < n * spread; ++i) {
    store::User u;
    u.id = random_id();
    u.email = "refresh-space-" + std::to_string(i) + "@example.com";
    // Never verified here; the shape of a real PHC string.
    u.password_hash =
        "$argon2id$v=19$m=19456,t=2,p=1$c2Vzc2lvbmZpbGxzYWx0$"
        "m0nKfzGo2xdF3JYkEkbB1p2n4Qq3s8rQ7hX8tY1qk2M";
    u.roles = {"user"};
    u.created_at = now;
    u.password_changed_at = now;
    if (auto r = stores.users->create(u); !r)
      fail("user create: " + std::string(describe(r.error())));
    store::RefreshFamily f;
    f.id = random_id();
    f.user_id = u.id;
    f.created_at = now;
    f.generation = 1;
    f.last_used_at = now;
    f.auth_time = now;
    f.password_changed_at = u.password_changed_at;
    f.ip = "203.0.113.7";
    f.user_agent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36";
    if (auto r = stores.refresh->create(f); !r) {
      fail("family create: " + std::string(describe(r.error())));
    }
    if (i % spread == 0) out.push_back({.id = f.id, .generation = f.generation});
  }
  return out;
}

// Rotates every family `rotations` times, round-robin, thread t taking families t, t + T, ...
// Returns the seconds the loop took; exits on the first rotation that is not kRotated at the
// next generation.
double rotate_all(store::RefreshStore& refresh, std::vector<Family>& families,
                  std::int64_t rotations, std::size_t threads) {
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  std::string error;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::int64_t round = 0; round < rotations && !failed; ++round) {
        for (std::size_t i = t; i < families.size() && !failed; i += threads) {
          Family& f = families[i];
          auto r = refresh.rotate(f.id, f.generation, now_unix());
          std::string why;
          if (!r) {
            why = "rotate: " + std::string(describe(r.error()));
          } else if (r->outcome != store::RotateOutcome::kRotated ||
                     r->family.generation != f.generation + 1) {
            why = "rotate: not rotated to generation " + std::to_string(f.generation + 1);
          }
          if (!why.empty()) {
            std::lock_guard lock(error_mu);
            if (!failed.exchange(true)) error = why;
            return;
          }
          ++f.generation;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) fail(error);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

store::Stores open_or_die(const store::StoreConfig& config) {
  auto s = store::open_stores(config);
  if (!s) fail("open_stores: " + s.error());
  return std::move(*s);
}

// The figures both backends report.
json common(const Args& a, double seconds, std::int64_t before, std::int64_t after) {
  const double f = static_cast<double>(a.families);
  const double stored = f * static_cast<double>(a.spread);
  const double rotations = f * static_cast<double>(a.rotations);
  return {{"backend", a.backend},
          {"families", a.families},
          {"spread", a.spread},
          {"idle_families", a.families * (a.spread - 1)},
          {"rotations_per_family", a.rotations},
          {"threads", a.threads},
          {"seconds", seconds},
          {"rotations_per_s", rotations / seconds},
          {"bytes_before", before},
          {"bytes_after", after},
          {"bytes_per_family_before", static_cast<double>(before) / stored},
          {"bytes_per_family_after", static_cast<double>(after) / stored},
          {"growth_per_family", static_cast<double>(after - before) / f},
          {"growth_per_rotation", static_cast<double>(after - before) / rotations}};
}

json run_sqlite(const Args& a) {
  std::filesystem::path dir;
  bool temporary = false;
  if (a.data_dir.empty()) {
    char tmpl[] = "/tmp/tessera-refresh-space.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) fail("mkdtemp");
    dir = tmpl;
    temporary = true;
  } else {
    dir = a.data_dir;
    std::filesystem::create_directories(dir);
  }
  const auto db = dir / "tessera.db";
  if (!temporary && std::filesystem::exists(db)) fail(db.string() + " exists: not a fresh store");
  const store::StoreConfig config{.backend = "sqlite", .sqlite_path = db.string()};

  auto stores = open_or_die(config);
  std::vector<Family> families = create_families(stores, a.families, a.spread);
  stores = {};  // every connection closed (and the checkpointer stopped) before measuring
  const SqliteSize before = sqlite_size(db);

  stores = open_or_die(config);
  const double seconds = rotate_all(*stores.refresh, families, a.rotations, a.threads);
  stores = {};
  const SqliteSize after = sqlite_size(db);

  json out = common(a, seconds, static_cast<std::int64_t>(before.bytes),
                    static_cast<std::int64_t>(after.bytes));
  out["measured"] = "tessera.db + tessera.db-wal after PRAGMA wal_checkpoint(TRUNCATE)";
  out["wal_bytes_after"] = after.wal;
  out["page_size"] = before.page_size;
  out["freelist_pages_after"] = after.freelist_pages;
  out["refresh_tables_bytes_before"] =
      before.refresh_tables ? json(*before.refresh_tables) : json(nullptr);
  out["refresh_tables_bytes_after"] =
      after.refresh_tables ? json(*after.refresh_tables) : json(nullptr);
  out["sqlite"] = sqlite3_libversion();
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return out;
}

json run_postgres(const Args& a) {
  const store::StoreConfig config{.backend = "postgres",
                                  .postgres_dsn = a.dsn,
                                  .postgres_pool = std::max<std::size_t>(a.threads, 16)};
  auto stores = open_or_die(config);  // the migrations first
  Pg pg(a.dsn);
  const PgSize empty = pg_size(pg);
  if (empty.heap != 0 || to_int(pg.row("SELECT count(*) FROM refresh_legacy_tokens").at(0)) != 0) {
    fail("the refresh tables are not empty: not a fresh database");
  }
  const auto settings = pg.row(
      "SELECT current_setting('server_version'), current_setting('fsync'), "
      "current_setting('synchronous_commit'), current_setting('autovacuum')");

  std::vector<Family> families = create_families(stores, a.families, a.spread);
  // The free-space and visibility maps of the new rows (see the header comment).
  pg.exec("VACUUM refresh_families, refresh_legacy_tokens");
  const PgSize before = pg_size(pg);
  const PgStats stats_before = pg_stats(pg);

  const double seconds = rotate_all(*stores.refresh, families, a.rotations, a.threads);
  const PgSize after = pg_size(pg);
  stores = {};  // the pool's sessions end, which sends their statistics
  // Statistics reach the server asynchronously: wait (up to 10 s) until every update counts.
  const std::int64_t expected =
      stats_before.updates + static_cast<std::int64_t>(a.families) * a.rotations;
  PgStats stats = pg_stats(pg);
  for (int i = 0; i < 100 && stats.updates < expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stats = pg_stats(pg);
  }
  pg.exec("VACUUM refresh_families, refresh_legacy_tokens");
  const PgSize vacuumed = pg_size(pg);

  json out = common(a, seconds, before.bytes, after.bytes);
  out["measured"] =
      "pg_total_relation_size(refresh_families) + pg_total_relation_size(refresh_legacy_tokens), "
      "no VACUUM after the rotations";
  out["bytes_after_vacuum"] = vacuumed.bytes;
  out["bytes_per_family_after_vacuum"] =
      static_cast<double>(vacuumed.bytes) / static_cast<double>(a.families * a.spread);
  out["heap_bytes_before"] = before.heap;
  out["heap_bytes_after"] = after.heap;
  out["index_bytes_before"] = before.index;
  out["index_bytes_after"] = after.index;
  const std::int64_t updates = stats.updates - stats_before.updates;
  const std::int64_t hot = stats.hot_updates - stats_before.hot_updates;
  out["updates"] = updates;
  out["hot_updates"] = hot;
  out["hot_update_pct"] =
      updates > 0 ? json(100.0 * static_cast<double>(hot) / static_cast<double>(updates))
                  : json(nullptr);
  out["dead_tuples_after"] = stats.dead;
  out["autovacuums_during"] = stats.autovacuums - stats_before.autovacuums;
  out["server_version"] = settings.at(0);
  out["fsync"] = settings.at(1);
  out["synchronous_commit"] = settings.at(2);
  out["autovacuum"] = settings.at(3);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  const json out = args.backend == "sqlite" ? run_sqlite(args) : run_postgres(args);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
