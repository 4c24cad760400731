// Token micro-benchmarks (the "tokens" issue): refresh rotation on the real SQLite stores, and
// what the revocation check (Bloom filter + denylist) adds to access-token verification. Each
// figure sits beside the limit measured in the same run. (The space a refresh family takes
// after many rotations is bench/refresh_space.cc's.)
//
// One fixture for every benchmark, wired the way src/app/services.cc wires `tessera serve`:
// the SQLite stores (store::open_stores, WAL, synchronous=NORMAL, migrations applied) on a
// fresh temporary directory (removed at exit), KeyringService (ES256, the default),
// RevocationService, AuditService, AccessTokens and RefreshFamilies over them, the system clock,
// and one user written straight into the user store (no Argon2id: no benchmark here logs in).
//
// Refresh rotation (targets: >= 5,000 rotations/s; issue 15: BM_Pair_Refresh's refresh at
// >= 100% of its limit, the raw transaction + the ES256 signature):
//   BM_Refresh_Rotate          RefreshFamilies::refresh, chained: each call presents the refresh
//                              token the previous call returned (its MAC checked, the family
//                              rotated in one BEGIN IMMEDIATE transaction, the user read, a new
//                              ES256 access token). Wall clock (commits wait for the file, not
//                              the CPU). Also on 2 threads, one chain each (SQLite has one
//                              writer per file).
//   BM_Raw_SqliteRotateTx      the limit on the store side: the statements of one rotation
//                              (store/sqlite/refresh_store.cc rotate(): BEGIN IMMEDIATE; the
//                              family row by id, the same SELECT; UPDATE refresh_families SET
//                              generation, last_used_at WHERE id; the family's user by id, the
//                              store's SELECT; COMMIT) on a family row of its
//                              own (started as a login starts one), through raw sqlite3
//                              prepared statements on a second connection to the SAME WAL file
//                              with the same pragmas. Of the row it reads only the three
//                              columns the decision needs (generation, last_used_at,
//                              revoked_at); it leaves out what a refresh does outside that
//                              transaction (the token's MAC).
//   BM_IssueAccess             the limit on the signing side: AccessTokens::issue (claims
//                              JSON, jti, ES256 signature), what each rotation signs
//   BM_Sign_ES256              jose::sign of the same claims with the same key (the signature
//                              with its JOSE encoding, no claims building)
//   BM_Pair_Refresh            paired: alternating ~2 ms blocks of refresh, the raw transaction
//                              and issue_access (wall clock per block, rotating order), so all
//                              three see the same machine load. Counters: *_ns per call,
//                              limit_ns = tx_ns + sign_ns (a rotation cannot cost less than its
//                              writes plus its signature), rotations_per_s, limit_per_s and
//                              of_limit = limit_ns / refresh_ns.
//
// Revocation overhead on verify (target: the check adds < 5%). The revocation state holds
// kDenied (10,000) denied jtis of other tokens (RevocationService::deny, as logouts make them),
// so the Bloom filter is populated (server defaults: sized for 100,000 at 0.1%):
//   BM_Verify_CacheHit         AccessTokens::verify of one valid ES256 access token that is in
//                              the verified-token cache: the hot path of every Bearer request
//                              (SHA-256 of the token, cache lookup, exp, revocation check)
//   BM_Revocation_Check/not_revoked   RevocationService::is_revoked for that token's prepared
//                              identity (as verify() calls it: the Bloom hashes of its jti and
//                              family made once, when the token entered the cache) at a time
//                              read before the loop (verify() passes the time it read for the
//                              expiry checks): freshness, the thread's cached state, not-before
//                              table, two Bloom probes (jti and family: "no")
//   BM_Revocation_Check/denied one of the denied jtis: Bloom "maybe", confirmed by the store
//   BM_Bloom_MightContain      a BloomFilter of the same size with the same entries, alone
//   BM_Part_ClockNowMs, BM_Part_LockedSharedPtrCopy   two steps is_revoked() no longer takes,
//                              for reference: SystemClock::now_ms() (it read the clock again for
//                              its freshness test) and a mutex-guarded shared_ptr copy and
//                              release (how it read the current state)
//   BM_Verify_CacheMiss        verify with the cache off (verify_cache_capacity = 0): full ES256
//                              verification every time, for reference
//   BM_Pair_VerifyRevocation   paired (thread CPU time, ~0.5 ms blocks): verify (cache hit) and
//                              is_revoked alone. Counters verify_ns, check_ns,
//                              check_share_pct = check / verify and
//                              adds_pct = check / (verify - check), what the check adds to a
//                              verify without it: the figure the 5% target is judged on.
//
// Counters: items_per_second, allocs (heap allocations per call over 64 untimed calls, malloc
// interposed as in jose_bench.cc; SQLite's allocations included). Every benchmark checks its
// result before timing and on every iteration.
//
// Run (see bench/README.md):  tokens_bench --benchmark_min_time=0.5

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "alloc_count.h"
#include "auth/access_tokens.h"
#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/refresh_families.h"
#include "auth/revocation.h"
#include "base/base64url.h"
#include "base/clock.h"
#include "crypto/hash.h"
#include "store/stores.h"
#include "tessera/jws.h"
#include "verifier/bloom.h"

namespace {

namespace auth = tessera::auth;
namespace store = tessera::store;
namespace jose = tessera::jose;
namespace verifier = tessera::verifier;

constexpr std::size_t kDenied = 10'000;  // denied jtis of other tokens in the revocation state
constexpr std::string_view kIp = "198.51.100.7";
constexpr std::string_view kUserAgent = "tokens_bench";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tokens_bench setup failed: %s\n", what.c_str());
  std::abort();
}

// ---------------------------------------------------------------- the fixture

struct World {
  std::filesystem::path dir;
  store::Stores stores;
  tessera::base::SystemClock clock;
  std::unique_ptr<auth::KeyringService> keyring;
  std::unique_ptr<auth::RevocationService> revocation;
  std::unique_ptr<auth::AuditService> audit;
  std::unique_ptr<auth::AccessTokens> access;          // the server's configuration
  std::unique_ptr<auth::AccessTokens> access_nocache;  // verify_cache_capacity = 0
  std::unique_ptr<auth::RefreshFamilies> families;     // the server's configuration
  store::User user;
  auth::TokenPair login;  // the verified token and its family
  std::shared_ptr<const auth::AccessPrincipal> principal;
  std::vector<std::string> denied;  // kDenied jtis on the denylist
  std::mutex chain_mu;              // start() of families from several benchmark threads

  World() {
    char tmpl[] = "/tmp/tessera-tokens-bench.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) die("mkdtemp");
    dir = tmpl;
    auto s =
        store::open_stores({.backend = "sqlite", .sqlite_path = (dir / "tessera.db").string()});
    if (!s) die("open_stores: " + s.error());
    stores = std::move(*s);

    tessera::crypto::AeadKey master{};
    const std::string m = tessera::crypto::random_bytes(master.size());
    std::copy(m.begin(), m.end(), master.begin());
    keyring = std::make_unique<auth::KeyringService>(stores.keys, master, clock,
                                                     auth::KeyringConfig{});  // ES256
    if (!keyring->start()) die("keyring start");
    auth::RevocationConfig rc;  // server defaults (Bloom sized for 100,000 at 0.1%)...
    // ...but this process follows no other process's revocations, so freshness is not at
    // stake: without a poller (the server polls every 250 ms) the default 5 s would make
    // is_revoked() fail closed in a long run. The freshness test costs the same either way.
    rc.max_staleness_ms = 24LL * 3600 * 1000;
    revocation = std::make_unique<auth::RevocationService>(stores.revocations, clock, rc);
    if (!revocation->start()) die("revocation start");
    audit = std::make_unique<auth::AuditService>(stores.audit);
    auth::AccessTokenConfig tc;  // server defaults: 15 min access tokens
    tc.issuer = "https://auth.example.com";
    tc.audience = "api";
    access = std::make_unique<auth::AccessTokens>(*keyring, *revocation, clock, tc);
    tc.verify_cache_capacity = 0;
    access_nocache = std::make_unique<auth::AccessTokens>(*keyring, *revocation, clock, tc);
    // Server defaults: 30 d / 7 d families.
    families =
        std::make_unique<auth::RefreshFamilies>(stores.refresh, stores.users, *access, *revocation,
                                                *audit, clock, auth::RefreshFamilyConfig{});

    const std::string id = tessera::crypto::random_bytes(user.id.size());
    std::copy(id.begin(), id.end(), user.id.begin());
    user.email = "bench@example.com";
    user.password_hash = "$argon2id$v=19$m=8,t=1,p=1$x$y";  // never verified here
    user.roles = {"user"};
    user.created_at = clock.now_unix() - 100;
    user.password_changed_at = user.created_at;
    if (!stores.users->create(user)) die("user create");

    // Denied jtis of other tokens, shaped like Tessera's (base64url of 22 bytes), denied until
    // an hour from now the way logout denies them.
    const std::int64_t until = clock.now_unix() + 3600;
    denied.reserve(kDenied);
    for (std::size_t i = 0; i < kDenied; ++i) {
      denied.push_back(tessera::base::base64url_encode(tessera::crypto::random_bytes(22)));
      if (!revocation->deny(denied.back(), until)) die("deny");
    }
    if (revocation->stats().bloom_entries != kDenied) die("Bloom filter entries");

    auto p = families->start(user, kIp, kUserAgent);
    if (!p) die("tokens start");
    login = std::move(*p);
    auto v = access->verify(login.access.token);  // now in the verified-token cache
    if (!v) die("verify of a fresh token");
    principal = *v;
  }

  ~World() {
    // Services before the stores they use, then the files.
    families.reset();
    access_nocache.reset();
    access.reset();
    audit.reset();
    revocation.reset();
    keyring.reset();
    stores = {};
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // A new refresh family for this user, started as a login starts one (generation 1).
  auth::TokenPair new_login() {
    std::lock_guard lock(chain_mu);
    auto p = families->start(user, kIp, kUserAgent);
    if (!p) die("tokens start");
    return std::move(*p);
  }
  // Its first refresh token.
  std::string new_chain() { return new_login().refresh_token; }
  // The family alone (the raw rotation's own row).
  store::RefreshFamily new_family() { return new_login().family; }
};

std::unique_ptr<World> g_world;
std::mutex g_world_mu;

World& world() {
  std::lock_guard lock(g_world_mu);
  if (!g_world) g_world = std::make_unique<World>();
  return *g_world;
}

// ---------------------------------------------------------------- the raw SQLite rotation

// The statements of one rotation (store/sqlite/refresh_store.cc rotate()), as raw sqlite3 calls
// with statements prepared once, on its own connection to the same database file, rotating
// its own family from the generation it was given.
class RawRotator {
 public:
  RawRotator(const std::filesystem::path& db_path, const store::RefreshFamily& family)
      : family_(family.id), user_id_(family.user_id), generation_(family.generation) {
    if (sqlite3_open_v2(db_path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE,
                        nullptr) != SQLITE_OK) {
      die("sqlite3_open_v2");
    }
    sqlite3_busy_timeout(db_, 5000);
    // Tessera's per-connection settings (store/sqlite/database.cc); the file is already WAL.
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL",
                               "PRAGMA trusted_schema = OFF"}) {
      if (sqlite3_exec(db_, pragma, nullptr, nullptr, nullptr) != SQLITE_OK) die(pragma);
    }
    begin_ = prepare("BEGIN IMMEDIATE");
    commit_ = prepare("COMMIT");
    // The store's find (kFind in store/sqlite/refresh_store.cc): the same columns, in order.
    find_ = prepare(
        "SELECT f.id, f.user_id, f.created_at, f.generation, f.last_used_at, f.auth_time, "
        "f.password_changed_at, f.client_id, f.scope, f.ip, f.user_agent, f.revoked_at, "
        "f.revoked_reason FROM refresh_families f WHERE f.id = ?1");
    update_ =
        prepare("UPDATE refresh_families SET generation = ?2, last_used_at = ?3 WHERE id = ?1");
    // The family's user, as the store's rotation reads it (kFindById in
    // store/sqlite/user_store.cc).
    user_ = prepare(
        "SELECT id, email, password_hash, roles, disabled, created_at, password_changed_at, "
        "email_verified FROM users WHERE id = ?1");
  }
  ~RawRotator() {
    for (sqlite3_stmt* s : {begin_, commit_, find_, update_, user_}) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  RawRotator(const RawRotator&) = delete;
  RawRotator& operator=(const RawRotator&) = delete;

  // One rotation: the family, found live at the expected generation, moves to the next one.
  // False on any error or any other state.
  bool rotate() {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    if (!run(begin_)) return false;
    bool ok = false;
    std::int64_t last_used_at = 0;
    sqlite3_bind_blob(find_, 1, family_.data(), static_cast<int>(family_.size()), SQLITE_STATIC);
    if (sqlite3_step(find_) == SQLITE_ROW) {
      last_used_at = sqlite3_column_int64(find_, 4);
      ok = sqlite3_column_int64(find_, 3) == generation_ && sqlite3_column_int64(find_, 11) == 0;
    }
    sqlite3_reset(find_);
    if (ok) {
      sqlite3_bind_blob(update_, 1, family_.data(), static_cast<int>(family_.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(update_, 2, generation_ + 1);
      sqlite3_bind_int64(update_, 3, std::max(last_used_at, now));
      ok = run(update_) && sqlite3_changes(db_) == 1;
    }
    if (ok) {
      sqlite3_bind_blob(user_, 1, user_id_.data(), static_cast<int>(user_id_.size()),
                        SQLITE_STATIC);
      ok = sqlite3_step(user_) == SQLITE_ROW && sqlite3_column_int64(user_, 4) == 0;
      sqlite3_reset(user_);
    }
    if (ok) ok = run(commit_);
    if (!ok) {
      if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return false;
    }
    ++generation_;
    return true;
  }

 private:
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      die(std::string("prepare: ") + sqlite3_errmsg(db_));
    }
    return s;
  }
  static bool run(sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt *begin_ = nullptr, *commit_ = nullptr, *find_ = nullptr, *update_ = nullptr,
               *user_ = nullptr;
  store::FamilyId family_;
  store::UserId user_id_;
  std::int64_t generation_;
};

// ---------------------------------------------------------------- benchmark bodies

template <typename Op>
void run(benchmark::State& state, Op&& op) {
  tessera::bench::run_counted(state, std::forward<Op>(op));
}

// A refresh chain: each call presents the token the previous call returned.
struct Chain {
  World& w;
  std::string current;
  bool operator()() {
    auto next = w.families->refresh(current, kIp, kUserAgent);
    if (!next || next->access.token.empty()) return false;
    current = std::move(next->refresh_token);
    return true;
  }
};

void BM_Refresh_Rotate(benchmark::State& state) {
  World& w = world();
  Chain chain{w, w.new_chain()};  // one chain per benchmark thread
  run(state, chain);
}

void BM_Raw_SqliteRotateTx(benchmark::State& state) {
  World& w = world();
  RawRotator raw(w.dir / "tessera.db", w.new_family());
  run(state, [&] { return raw.rotate(); });
}

void BM_IssueAccess(benchmark::State& state) {
  World& w = world();
  run(state, [&] {
    auto a = w.access->issue(w.user, w.login.sid, w.login.family.auth_time,
                             auth::Amr::of(auth::AuthMethodRef::kPwd), w.clock.now_ms());
    benchmark::DoNotOptimize(a);
    return a.has_value();
  });
}

// The claims of the fixture's access token, re-signed: the signature step alone.
void BM_Sign_ES256(benchmark::State& state) {
  World& w = world();
  const std::string& t = w.login.access.token;
  const std::size_t d1 = t.find('.'), d2 = t.rfind('.');
  const auto claims =
      tessera::base::base64url_decode(std::string_view(t).substr(d1 + 1, d2 - d1 - 1));
  const auto view = w.keyring->current();
  if (!claims || !view || !view->signer) die("claims of the access token");
  const jose::SignOptions options{.kid = view->signer->kid(), .typ = "at+jwt"};
  run(state, [&] {
    auto s = jose::sign(*view->signer, *claims, options);
    benchmark::DoNotOptimize(s);
    return s.has_value();
  });
}

void BM_Verify_CacheHit(benchmark::State& state) {
  World& w = world();
  run(state, [&] {
    auto p = w.access->verify(w.login.access.token);
    return p.has_value() && (*p)->jti == w.login.access.jti;
  });
}

void BM_Verify_CacheMiss(benchmark::State& state) {
  World& w = world();
  run(state, [&] {
    auto p = w.access_nocache->verify(w.login.access.token);
    return p.has_value() && (*p)->jti == w.login.access.jti;
  });
}

void BM_Revocation_Check(benchmark::State& state, bool denied) {
  World& w = world();
  const auth::AccessPrincipal& p = *w.principal;
  // What verify() checks: the token's prepared identity (jti and family hashes made once).
  const auth::TokenIdentity id =
      denied ? w.revocation->identify(p.user, p.issued_ms, w.denied[kDenied / 2], p.sid)
             : p.revocation;
  const std::int64_t now_ms = w.clock.now_ms();
  run(state, [&] {
    auto r = w.revocation->is_revoked(id, now_ms);
    return r.has_value() && *r == denied;
  });
  state.counters["bloom_entries"] = static_cast<double>(w.revocation->stats().bloom_entries);
  state.counters["bloom_bits"] = static_cast<double>(w.revocation->stats().bloom_bits);
}

void BM_Bloom_MightContain(benchmark::State& state) {
  World& w = world();
  const auth::RevocationConfig defaults;
  verifier::BloomFilter bloom(defaults.bloom_expected, defaults.bloom_false_positive);
  for (const std::string& j : w.denied) bloom.add(j);
  run(state, [&] { return !bloom.might_contain(w.login.access.jti); });
}

// Two steps is_revoked() (auth/revocation.cc) took before it used the caller's time and its
// lock-free per-thread state: what they cost alone, for reference.
void BM_Part_ClockNowMs(benchmark::State& state) {
  World& w = world();
  run(state, [&] {
    const std::int64_t ms = w.clock.now_ms();
    benchmark::DoNotOptimize(ms);
    return ms > 0;
  });
}

void BM_Part_LockedSharedPtrCopy(benchmark::State& state) {
  std::mutex mu;
  const auto shared = std::make_shared<const int>(1);
  run(state, [&] {
    std::shared_ptr<const int> copy;
    {
      std::lock_guard lock(mu);
      copy = shared;
    }
    benchmark::DoNotOptimize(copy);
    return *copy == 1;
  });
}

// ---------------------------------------------------------------- paired measurements

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct PairOp {
  std::function<bool()> fn;
  double seconds = 0;
};

// Runs the ops in alternating blocks of about `block_seconds` of the slowest one (rotating
// order), timing each block with `clock`. Returns calls per op, 0 after a failure.
double run_pairs(benchmark::State& state, std::vector<PairOp>& ops, double (*clock)(),
                 double block_seconds) {
  double slowest = 0;
  for (PairOp& op : ops) {
    if (!op.fn()) {
      state.SkipWithError("operation failed before timing");
      return 0;
    }
    const double t0 = clock();
    for (int i = 0; i < 8; ++i) op.fn();
    slowest = std::max(slowest, (clock() - t0) / 8);
  }
  const int block = static_cast<int>(std::clamp(std::lround(block_seconds / slowest), 1L, 4096L));
  bool ok = true;
  std::size_t rotation = 0;
  for (auto _ : state) {
    for (std::size_t j = 0; j < ops.size(); ++j) {
      PairOp& op = ops[(rotation + j) % ops.size()];
      const double t0 = clock();
      for (int i = 0; i < block; ++i) {
        const bool r = op.fn();
        benchmark::DoNotOptimize(r);
        ok &= r;
      }
      op.seconds += clock() - t0;
    }
    ++rotation;
  }
  if (!ok) {
    state.SkipWithError("operation failed during timing");
    return 0;
  }
  return static_cast<double>(state.iterations()) * block;
}

void BM_Pair_Refresh(benchmark::State& state) {
  World& w = world();
  Chain chain{w, w.new_chain()};
  RawRotator raw(w.dir / "tessera.db", w.new_family());
  std::vector<PairOp> ops = {
      {chain},
      {[&] { return raw.rotate(); }},
      {[&] {
        return w.access
            ->issue(w.user, w.login.sid, w.login.family.auth_time,
                    auth::Amr::of(auth::AuthMethodRef::kPwd), w.clock.now_ms())
            .has_value();
      }},
  };
  const double calls = run_pairs(state, ops, wall_seconds, 2e-3);
  if (calls == 0) return;
  const double refresh_ns = ops[0].seconds / calls * 1e9;
  const double tx_ns = ops[1].seconds / calls * 1e9;
  const double sign_ns = ops[2].seconds / calls * 1e9;
  state.counters["refresh_ns"] = refresh_ns;
  state.counters["tx_ns"] = tx_ns;
  state.counters["sign_ns"] = sign_ns;
  state.counters["limit_ns"] = tx_ns + sign_ns;
  state.counters["rotations_per_s"] = 1e9 / refresh_ns;
  state.counters["limit_per_s"] = 1e9 / (tx_ns + sign_ns);
  state.counters["of_limit"] = (tx_ns + sign_ns) / refresh_ns;
}

void BM_Pair_VerifyRevocation(benchmark::State& state) {
  World& w = world();
  const auth::AccessPrincipal& p = *w.principal;
  const std::int64_t now_ms = w.clock.now_ms();
  std::vector<PairOp> ops = {
      {[&] {
        auto v = w.access->verify(w.login.access.token);
        return v.has_value() && (*v)->jti == w.login.access.jti;
      }},
      {[&] {
        auto r = w.revocation->is_revoked(p.revocation, now_ms);
        return r.has_value() && !*r;
      }},
  };
  const double calls = run_pairs(state, ops, thread_cpu_seconds, 0.5e-3);
  if (calls == 0) return;
  const double verify_ns = ops[0].seconds / calls * 1e9;
  const double check_ns = ops[1].seconds / calls * 1e9;
  state.counters["verify_ns"] = verify_ns;
  state.counters["check_ns"] = check_ns;
  state.counters["check_share_pct"] = 100 * check_ns / verify_ns;
  state.counters["adds_pct"] = 100 * check_ns / (verify_ns - check_ns);
}

void register_all() {
  benchmark::RegisterBenchmark("BM_Refresh_Rotate", BM_Refresh_Rotate)->UseRealTime();
  benchmark::RegisterBenchmark("BM_Refresh_Rotate", BM_Refresh_Rotate)->Threads(2)->UseRealTime();
  benchmark::RegisterBenchmark("BM_Raw_SqliteRotateTx", BM_Raw_SqliteRotateTx)->UseRealTime();
  benchmark::RegisterBenchmark("BM_IssueAccess", BM_IssueAccess);
  benchmark::RegisterBenchmark("BM_Sign_ES256", BM_Sign_ES256);
  benchmark::RegisterBenchmark("BM_Pair_Refresh", BM_Pair_Refresh);
  benchmark::RegisterBenchmark("BM_Verify_CacheHit", BM_Verify_CacheHit);
  benchmark::RegisterBenchmark("BM_Revocation_Check/not_revoked", BM_Revocation_Check, false);
  benchmark::RegisterBenchmark("BM_Revocation_Check/denied", BM_Revocation_Check, true);
  benchmark::RegisterBenchmark("BM_Bloom_MightContain", BM_Bloom_MightContain);
  benchmark::RegisterBenchmark("BM_Part_ClockNowMs", BM_Part_ClockNowMs);
  benchmark::RegisterBenchmark("BM_Part_LockedSharedPtrCopy", BM_Part_LockedSharedPtrCopy);
  benchmark::RegisterBenchmark("BM_Verify_CacheMiss", BM_Verify_CacheMiss);
  benchmark::RegisterBenchmark("BM_Pair_VerifyRevocation", BM_Pair_VerifyRevocation);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("sqlite", sqlite3_libversion());
  benchmark::AddCustomContext("tessera_build_type", TESSERA_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("denied_jtis", std::to_string(kDenied));
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_world.reset();  // closes the stores and removes the temporary directory
  return 0;
}
