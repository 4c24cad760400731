// Second factors (issue 17): what the second step of a login with TOTP (/auth/login/mfa) costs
// in process on the real SQLite store, beside the Argon2id password step it follows.
//
// One fixture: the services `tessera serve` runs, built by app::open_services from the default
// configuration (SQLite in a fresh temporary directory, removed at exit: WAL,
// synchronous=NORMAL, migrations; the master key, the keyring; Argon2id at the configured
// defaults, m=19456 KiB, t=2, p=1). One user, created through AuthService::add_user_now, with
// TOTP enrolled and confirmed (SecondFactors::enroll_totp + confirm_totp).
//
// Where the fixture differs from the server, and why:
//   - The AuthService and SecondFactors measured are built again over the server's stores,
//     services and keys (SecondFactors::config()), with two changes: they read a
//     base::ManualClock, because a TOTP code is accepted once per user and time step
//     (CredentialStore::use_totp_step), so each second step happens 30 s after the previous one
//     (the clock moves, untimed, before each call); and their UserService (the server's
//     configuration) hashes on a pool of one worker at nice 0, where the server's pool runs at
//     nice 19 with SCHED_IDLE, which on a shared machine would measure the neighbours' load
//     rather than the login. The keyring and the revocation state keep the system clock.
//   - The login rate limit (rate_limit.email_failures, ip_failures) is raised to a million
//     failures per window. Nothing fails here, so the server's limits would not refuse either;
//     the counters are read, reserved and reset exactly as in the server.
//   - The session each second step starts is revoked, untimed, before the next call, so the
//     user stays under sessions.max_per_user (10), as a user who signs in now and then does (at
//     the cap, each login also evicts the oldest session in the same transaction).
//
//   BM_LoginMfa_Totp        AuthService::login_mfa with a TOTP code and start_session = true:
//                           the mfa_token opened (HMAC, JSON, its nonce looked up in the
//                           counter store), the user read, the rate limit admitted, the sealed
//                           secret read and opened (AEAD), the code matched, the time step used
//                           (an UPDATE), the token consumed (a counter increment), the email's
//                           failure count reset, then sign_in: a session row written, the
//                           device noted, login.success audited. What /auth/login/mfa does below
//                           HTTP. Untimed per call: the clock moved 30 s, the TOTP code
//                           (crypto::totp), a fresh mfa_token, the previous session revoked.
//                           Manual time: a steady clock read around each call. Counter
//                           allocs: heap allocations per call (16 untimed calls; all on the
//                           calling thread, SQLite's included).
//   BM_IssueMfaToken        SecondFactors::issue_mfa_token: what the first step of a TOTP user
//                           makes instead of a session (already inside BM_Login_PasswordStep);
//                           counter allocs as in tokens_bench
//   BM_Login_PasswordStep   AuthService::login of that user with email + password and no code:
//                           the first step, answered with an mfa_token (rate limit, Argon2id on
//                           the hash pool at the defaults, FactorStatus, issue_mfa_token). Wall
//                           clock, the caller waiting for the pool's completion.
//   BM_Raw_Argon2id         crypto::verify_password of the user's stored PHC string on the
//                           calling thread: the Argon2id the password step is bounded by
//   BM_Pair_SecondStep      paired: the four above in rotating order, each in blocks of about
//                           10 ms (at least one call), timed with the wall clock (SQLite commits
//                           and the pool's hand-off are waits, not CPU), so all four see the same
//                           machine load. Counters: second_step_us (second_step_cpu_us:
//                           the calling thread's CPU time in it, kernel included; the rest
//                           is waiting: SQLite's file locks, or the CPU when the machine is
//                           loaded), mfa_token_us,
//                           password_step_ms, argon2id_ms, adds_pct = 100 * second_step /
//                           password_step (what the second step adds to the password login),
//                           argon2_share_pct = 100 * argon2id / password_step.
//
// Every benchmark checks its result before timing and on every call.
//
// Run (see bench/README.md):  mfa_bench --benchmark_min_time=2 --benchmark_filter=Pair

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alloc_count.h"
#include "app/config.h"
#include "app/services.h"
#include "auth/auth_service.h"
#include "auth/hash_pool.h"
#include "auth/second_factors.h"
#include "auth/users.h"
#include "base/base32.h"
#include "base/clock.h"
#include "crypto/otp.h"
#include "crypto/password.h"
#include "paired.h"

namespace {

namespace auth = tessera::auth;
namespace store = tessera::store;
namespace crypto = tessera::crypto;

constexpr std::string_view kEmail = "bench-mfa@example.com";
constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::string_view kIp = "198.51.100.7";
constexpr std::string_view kUserAgent = "mfa_bench";
constexpr std::int64_t kStep = 30;  // the TOTP period: one accepted code per user and step

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "mfa_bench setup failed: %s\n", what.c_str());
  std::abort();
}

using LoginR = std::expected<auth::LoginResult, auth::Error>;

// ---------------------------------------------------------------- the fixture

struct World {
  std::filesystem::path dir;
  std::unique_ptr<tessera::app::Services> services;  // as `tessera serve` builds them
  tessera::base::ManualClock clock{tessera::base::SystemClock().now_unix()};
  std::unique_ptr<auth::HashPool> pool;  // one worker at nice 0 (see the header comment)
  std::unique_ptr<auth::UserService> users;
  std::unique_ptr<auth::SecondFactors> factors;
  std::unique_ptr<auth::AuthService> auth;
  store::User user;
  std::string secret;           // the raw TOTP secret (what the user's app holds)
  std::string last_session;     // the session the last second step started (revoked next)
  std::int64_t last_step_at{};  // when a code was last accepted

  World() {
    char tmpl[] = "/tmp/tessera-mfa-bench.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) die("mkdtemp");
    dir = tmpl;
    tessera::app::Config config;  // the defaults: SQLite, Argon2id m=19456 KiB t=2, ...
    config.store.data_dir = dir.string();
    config.rate_limit.email_failures = 1'000'000;  // raised: see the header comment
    config.rate_limit.ip_failures = 1'000'000;
    auto s = tessera::app::open_services(config, {.hash_threads = 1});
    if (!s) die("open_services: " + s.error());
    services = std::move(*s);
    const tessera::app::Services& sv = *services;

    // The server's services, but Argon2id on a nice-0 worker and the ManualClock for the steps.
    pool = std::make_unique<auth::HashPool>(
        auth::HashPoolConfig{.threads = 1, .queue_per_thread = 16, .nice = 0});
    auto u = auth::UserService::create(sv.stores.users, *pool, sv.users->config());
    if (!u) die("UserService: " + u.error());
    users = std::move(*u);
    if (users->config().params != crypto::PasswordParams{.memory_kib = 19456, .iterations = 2}) {
      die("the default Argon2id parameters are no longer m=19456 KiB, t=2: update the labels");
    }
    factors = std::make_unique<auth::SecondFactors>(sv.stores.credentials, sv.stores.counters,
                                                    *sv.audit, clock, sv.second_factors->config());
    auth = std::make_unique<auth::AuthService>(*users, *sv.sessions, *sv.families, *sv.limiter,
                                               *sv.audit, *factors, clock, sv.auth->config());

    auto added = auth->add_user_now(kEmail, kPassword, {"user"}, {});
    if (!added) die("add_user_now: " + auth::describe(added.error()));
    user = std::move(*added);
    auto enrolled = factors->enroll_totp(user);
    if (!enrolled) die("enroll_totp: " + auth::describe(enrolled.error()));
    auto raw = tessera::base::base32_decode(enrolled->secret);
    if (!raw) die("the enrolment's base32 secret");
    secret = std::move(*raw);
    auto codes = factors->confirm_totp(user, code_now(), {});
    if (!codes) die("confirm_totp: " + auth::describe(codes.error()));
    last_step_at = clock.now_unix();
  }

  ~World() {
    pool->stop();  // queued completions refer to the services
    auth.reset();
    factors.reset();
    users.reset();
    pool.reset();
    services.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::string code_now() const {
    auto c = crypto::totp(secret, clock.now_unix());
    if (!c) die("crypto::totp");
    return *c;
  }

  // What a second step needs, made untimed: the clock one TOTP step past the last accepted
  // code, that step's code, a fresh mfa_token, and the previous second step's session gone.
  auth::MfaLoginRequest next_second_step() {
    if (!last_session.empty()) {
      if (!services->sessions->revoke(last_session)) die("revoke the previous session");
      last_session.clear();
    }
    const std::int64_t now = clock.now_unix();
    if (now < last_step_at + kStep) clock.advance(last_step_at + kStep - now);
    return {
        .mfa_token = factors->issue_mfa_token(user.id, auth::Amr::of(auth::AuthMethodRef::kPwd)),
        .kind = auth::CodeKind::kTotp,
        .code = code_now(),
        .passkey = nullptr,
        .at = {.from = {.ip = std::string(kIp), .user_agent = std::string(kUserAgent)},
               .presented_session = {},
               .start_session = true}};
  }

  // AuthService::login_mfa; true when it signed the user in with a new session. It completes
  // on the calling thread (no hashing), which is checked.
  bool second_step(auth::MfaLoginRequest request) {
    std::optional<LoginR> out;
    auth->login_mfa(std::move(request), [&out](LoginR r) { out = std::move(r); });
    if (!out) die("login_mfa did not complete on the calling thread");
    if (!*out || !(*out)->session || (*out)->mfa) return false;
    last_session = std::move((*out)->session->id);
    last_step_at = clock.now_unix();
    return true;
  }

  // AuthService::login with email + password: the first step, answered with an mfa_token.
  bool password_step() {
    auto done = std::make_shared<std::promise<LoginR>>();
    auto result = done->get_future();
    auth->login({.email = std::string(kEmail),
                 .password = std::string(kPassword),
                 .totp = {},
                 .from = {.ip = std::string(kIp), .user_agent = std::string(kUserAgent)},
                 .presented_session = {},
                 .start_session = true},
                [done](LoginR r) { done->set_value(std::move(r)); });
    const LoginR r = result.get();
    return r && r->mfa && !r->mfa->token.empty() && !r->session;
  }

  bool issue_token() {
    const std::string t =
        factors->issue_mfa_token(user.id, auth::Amr::of(auth::AuthMethodRef::kPwd));
    benchmark::DoNotOptimize(t.data());
    return !t.empty();
  }

  bool raw_argon2id() const { return crypto::verify_password(user.password_hash, kPassword); }
};

std::unique_ptr<World> g_world;

World& world() {
  if (!g_world) g_world = std::make_unique<World>();
  return *g_world;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------- benchmark bodies

void BM_LoginMfa_Totp(benchmark::State& state) {
  World& w = world();
  if (!w.second_step(w.next_second_step())) {
    state.SkipWithError("login_mfa failed before timing");
    return;
  }
  constexpr int kCounted = 16;
  std::uint64_t allocs = 0;
  bool ok = true;
  for (int i = 0; i < kCounted; ++i) {
    auto request = w.next_second_step();
    const std::uint64_t before = tessera::bench::thread_allocations();
    ok &= w.second_step(std::move(request));
    allocs += tessera::bench::thread_allocations() - before;
  }
  state.counters["allocs"] = static_cast<double>(allocs) / kCounted;
  for (auto _ : state) {
    auto request = w.next_second_step();
    const double t0 = wall_seconds();
    ok &= w.second_step(std::move(request));
    state.SetIterationTime(wall_seconds() - t0);
  }
  if (!ok) state.SkipWithError("login_mfa failed during timing");
}

void BM_IssueMfaToken(benchmark::State& state) {
  World& w = world();
  tessera::bench::run_counted(state, [&] { return w.issue_token(); });
}

void BM_Login_PasswordStep(benchmark::State& state) {
  World& w = world();
  // Argon2id runs on the pool's thread, where allocations are not counted: none counted here.
  tessera::bench::run_counted(
      state, [&] { return w.password_step(); }, /*counted=*/0);
}

void BM_Raw_Argon2id(benchmark::State& state) {
  World& w = world();
  tessera::bench::run_counted(
      state, [&] { return w.raw_argon2id(); }, /*counted=*/0);
}

// ---------------------------------------------------------------- paired measurement

// One operation of the pair: `prepare` (optional) runs untimed before each call, and then each
// call is timed alone; without it, a block of calls is timed as one. Wall time and the calling
// thread's CPU time (paired.h) are both summed.
struct PairOp {
  std::function<bool()> call;
  std::function<void()> prepare;
  int block = 1;
  double seconds = 0;      // wall
  double cpu_seconds = 0;  // the calling thread's

  void timed(bool& ok, int calls) {
    const double t0 = wall_seconds();
    const double c0 = tessera::bench::thread_cpu_seconds();
    for (int i = 0; i < calls; ++i) {
      const bool r = call();
      benchmark::DoNotOptimize(r);
      ok &= r;
    }
    cpu_seconds += tessera::bench::thread_cpu_seconds() - c0;
    seconds += wall_seconds() - t0;
  }
  void run_block(bool& ok) {
    if (!prepare) return timed(ok, block);
    for (int i = 0; i < block; ++i) {
      prepare();
      timed(ok, 1);
    }
  }
};

// Runs `ops` in rotating order, each in blocks of about `block_seconds` (at least one call).
// Returns false (the benchmark skipped with an error) after a failure.
bool run_pairs(benchmark::State& state, std::vector<PairOp>& ops, double block_seconds) {
  bool ok = true;
  for (PairOp& op : ops) {  // calibration: 3 calls each, not counted
    op.block = 3;
    op.run_block(ok);
    if (!ok) {
      state.SkipWithError("operation failed before timing");
      return false;
    }
    const double each = op.seconds / 3;
    op.block = static_cast<int>(std::clamp(std::lround(block_seconds / each), 1L, 4096L));
    op.seconds = op.cpu_seconds = 0;
  }
  std::size_t rotation = 0;
  for (auto _ : state) {
    for (std::size_t j = 0; j < ops.size(); ++j) ops[(rotation + j) % ops.size()].run_block(ok);
    ++rotation;
  }
  if (!ok) {
    state.SkipWithError("operation failed during timing");
    return false;
  }
  return true;
}

void BM_Pair_SecondStep(benchmark::State& state) {
  World& w = world();
  auth::MfaLoginRequest pending;
  std::vector<PairOp> ops = {
      {.call = [&] { return w.second_step(std::move(pending)); },
       .prepare = [&] { pending = w.next_second_step(); }},
      {.call = [&] { return w.issue_token(); }},
      {.call = [&] { return w.password_step(); }},
      {.call = [&] { return w.raw_argon2id(); }},
  };
  if (!run_pairs(state, ops, 10e-3)) return;
  const double iterations = static_cast<double>(state.iterations());
  const auto per_call = [&](const PairOp& op) { return op.seconds / (iterations * op.block); };
  const double second = per_call(ops[0]);
  const double token = per_call(ops[1]);
  const double password = per_call(ops[2]);
  const double argon2 = per_call(ops[3]);
  state.counters["second_step_us"] = second * 1e6;
  state.counters["second_step_cpu_us"] =
      ops[0].cpu_seconds / (iterations * ops[0].block) * 1e6;  // all on this thread
  state.counters["mfa_token_us"] = token * 1e6;
  state.counters["password_step_ms"] = password * 1e3;
  state.counters["argon2id_ms"] = argon2 * 1e3;
  state.counters["adds_pct"] = 100 * second / password;
  state.counters["argon2_share_pct"] = 100 * argon2 / password;
  state.counters["second_step_calls"] = iterations * ops[0].block;
  state.counters["password_step_calls"] = iterations * ops[2].block;
}

void register_all() {
  benchmark::RegisterBenchmark("BM_LoginMfa_Totp", BM_LoginMfa_Totp)->UseManualTime();
  benchmark::RegisterBenchmark("BM_IssueMfaToken", BM_IssueMfaToken);
  benchmark::RegisterBenchmark("BM_Login_PasswordStep", BM_Login_PasswordStep)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Raw_Argon2id", BM_Raw_Argon2id)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Pair_SecondStep", BM_Pair_SecondStep)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("sqlite", sqlite3_libversion());
  benchmark::AddCustomContext("tessera_build_type", TESSERA_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("argon2id", "m=19456 KiB, t=2, p=1 (the configured default)");
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_world.reset();  // stops the pool, closes the stores, removes the temporary directory
  return 0;
}
