// session_fill: fills a session store with N live sessions through the server's own code path
// (SessionService::create: 256-bit ids from the CSPRNG, stored as SHA-256 hashes, with the
// per-user cap), and reports the memory they take. For the benchmark workload "peak RSS with 1
// million active sessions and the bytes per session" (bench/run):
//
//   session_fill --backend memory --sessions 1000000
//       the in-memory store in this process: RSS before and after, bytes per session
//   session_fill --backend sqlite --data-dir D --sessions 1000000 [--ids-out F --ids K]
//       the SQLite store under D (as `tessera serve --data-dir D` opens it): bytes on disk per
//       session, this process's RSS; the first K raw session ids written to F, one per line, so
//       that a load generator can present them to a server started on D afterwards.
//
// Sessions are spread over N / per-user users (default 10 each: sessions.max_sessions_per_user),
// as a deployment at its cap would hold them. Writers run on --threads threads (SQLite batches
// concurrent writes into shared transactions). Prints one JSON line:
//   {"backend", "sessions", "users", "seconds", "rss_before_kib", "rss_after_kib", "hwm_kib",
//    "bytes_per_session", "db_bytes", "db_bytes_per_session"}
// (db_* only for sqlite; sizes of tessera.db plus its -wal file after a checkpoint).
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "auth/sessions.h"
#include "crypto/hash.h"
#include "store/stores.h"

namespace {

using namespace tessera;

struct Args {
  std::string backend = "memory";
  std::string data_dir;
  std::size_t sessions = 1'000'000;
  std::size_t per_user = 10;
  std::size_t threads = 8;
  std::string ids_out;
  std::size_t ids = 0;
};

[[noreturn]] void usage(std::string_view error) {
  std::fprintf(stderr,
               "session_fill: %.*s\nusage: session_fill --backend memory|sqlite [--data-dir D] "
               "[--sessions N] [--per-user P] [--threads T] [--ids-out F --ids K]\n",
               static_cast<int>(error.size()), error.data());
  std::exit(2);
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
    else if (k == "--sessions")
      a.sessions = number(v, k);
    else if (k == "--per-user")
      a.per_user = number(v, k);
    else if (k == "--threads")
      a.threads = number(v, k);
    else if (k == "--ids-out")
      a.ids_out = v;
    else if (k == "--ids")
      a.ids = number(v, k);
    else
      usage("unknown flag " + std::string(k));
  }
  if (a.backend != "memory" && a.backend != "sqlite") usage("--backend memory|sqlite");
  if (a.backend == "sqlite" && a.data_dir.empty()) usage("--backend sqlite needs --data-dir");
  if (a.sessions == 0 || a.per_user == 0 || a.threads == 0) usage("counts must be positive");
  if (a.ids > a.sessions) usage("--ids must not exceed --sessions");
  return a;
}

// A /proc/self/status field in KiB (VmRSS, VmHWM).
long status_kib(std::string_view field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

std::uintmax_t file_size_or_0(const std::filesystem::path& p) {
  std::error_code ec;
  auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

store::User user_number(std::size_t n, std::int64_t now) {
  store::User u;
  const std::string id = crypto::random_bytes(u.id.size());
  std::copy(id.begin(), id.end(), u.id.begin());
  u.email = "fill-" + std::to_string(n) + "@example.com";
  // Never verified here; the shape of a real PHC string, so rows are realistic in size.
  u.password_hash =
      "$argon2id$v=19$m=19456,t=2,p=1$c2Vzc2lvbmZpbGxzYWx0$"
      "m0nKfzGo2xdF3JYkEkbB1p2n4Qq3s8rQ7hX8tY1qk2M";
  u.roles = {"user"};
  u.created_at = now;
  u.password_changed_at = now;
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  store::StoreConfig config{.backend = args.backend};
  if (args.backend == "sqlite") {
    std::filesystem::create_directories(args.data_dir);
    config.sqlite_path = (std::filesystem::path(args.data_dir) / "tessera.db").string();
  }
  auto stores = store::open_stores(config);
  if (!stores) {
    std::fprintf(stderr, "session_fill: %s\n", stores.error().c_str());
    return 1;
  }
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  auto sessions = std::make_unique<auth::SessionService>(
      stores->sessions, stores->users, auth::SessionConfig{.max_per_user = args.per_user});
  const std::size_t users = (args.sessions + args.per_user - 1) / args.per_user;
  std::atomic<bool> failed{false};
  // Runs body(i) for i in [0, n) on args.threads threads.
  auto parallel = [&](std::size_t n, auto body) {
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < args.threads; ++t) {
      workers.emplace_back([&, t] {
        for (std::size_t i = t; i < n && !failed; i += args.threads) {
          if (!body(i)) failed = true;
        }
      });
    }
    for (auto& w : workers) w.join();
  };

  // The users first, so that the figures below are the sessions' alone.
  std::vector<store::User> accounts(users);
  parallel(users, [&](std::size_t u) {
    accounts[u] = user_number(u, now);
    return stores->users->create(accounts[u]).has_value();
  });
  const long rss_before = status_kib("VmRSS");
  const auto t0 = std::chrono::steady_clock::now();
  std::mutex ids_mu;
  std::vector<std::string> ids(args.ids);
  parallel(args.sessions, [&](std::size_t n) {
    auto s = sessions->create(accounts[n / args.per_user], "203.0.113.7",
                              "Mozilla/5.0 (X11; Linux x86_64) bench", now);
    if (!s) return false;
    if (n < args.ids) {
      std::lock_guard lock(ids_mu);
      ids[n] = std::move(s->id);
    }
    return true;
  });
  if (failed) {
    std::fprintf(stderr, "session_fill: a store write failed\n");
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long rss_after = status_kib("VmRSS");
  const long hwm = status_kib("VmHWM");

  std::string db_fields;
  if (args.backend == "sqlite") {
    sessions.reset();  // close every connection (the last one checkpoints the WAL)
    stores = std::unexpected(std::string("closed"));
    const auto db = std::filesystem::path(config.sqlite_path);
    const std::uintmax_t bytes = file_size_or_0(db) + file_size_or_0(db.string() + "-wal");
    db_fields = ",\"db_bytes\":" + std::to_string(bytes) + ",\"db_bytes_per_session\":" +
                std::to_string(static_cast<double>(bytes) / static_cast<double>(args.sessions));
  }
  if (!args.ids_out.empty()) {
    std::ofstream out(args.ids_out);
    for (const std::string& id : ids) out << id << '\n';
    if (!out) {
      std::fprintf(stderr, "session_fill: cannot write %s\n", args.ids_out.c_str());
      return 1;
    }
  }
  std::printf(
      "{\"backend\":\"%s\",\"sessions\":%zu,\"users\":%zu,\"seconds\":%.3f,"
      "\"rss_before_kib\":%ld,\"rss_after_kib\":%ld,\"hwm_kib\":%ld,"
      "\"bytes_per_session\":%.1f%s}\n",
      args.backend.c_str(), args.sessions, users, seconds, rss_before, rss_after, hwm,
      static_cast<double>(rss_after - rss_before) * 1024.0 / static_cast<double>(args.sessions),
      db_fields.c_str());
  return 0;
}
