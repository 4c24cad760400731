// argon2_ceiling: raw Argon2id throughput through libsodium, the ceiling for Tessera's login
// rows in bench/http/run.sh ("logins/s >= 90% of raw Argon2id throughput at the same
// parameters").
//
// N threads (default: one per core, the size of Tessera's hashing pool) each verify one
// Argon2id PHC string with crypto_pwhash_str_verify, the call a login makes, in a loop for
// the given time. No HTTP, no JSON, no store: the hash alone. Prints one JSON line:
//   {"hashes_per_s":..., "threads":..., "memory_kib":..., "iterations":..., "seconds":...,
//    "ms_per_hash":...}
//
//   argon2_ceiling [--threads N] [--seconds S] [--memory-kib M] [--iterations T]
//     defaults: N = hardware_concurrency, S = 5, M = 19456 (19 MiB), T = 2: OWASP's minimum,
//     Tessera's default (src/crypto/password.h). p is always 1 (libsodium's Argon2id).
#include <sodium.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Args {
  unsigned threads = 0;
  double seconds = 5;
  std::uint64_t memory_kib = 19 * 1024;
  std::uint64_t iterations = 2;
};

[[noreturn]] void usage(std::string_view error) {
  std::fprintf(stderr,
               "argon2_ceiling: %.*s\nusage: argon2_ceiling [--threads N] [--seconds S] "
               "[--memory-kib M] [--iterations T]\n",
               static_cast<int>(error.size()), error.data());
  std::exit(2);
}

template <class T>
T parse_number(std::string_view s, std::string_view what) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) usage("bad " + std::string(what));
  return value;
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage(std::string(a) + ": a value is needed");
    std::string_view v = argv[++i];
    if (a == "--threads") {
      args.threads = parse_number<unsigned>(v, "--threads");
    } else if (a == "--seconds") {
      args.seconds = parse_number<double>(v, "--seconds");
    } else if (a == "--memory-kib") {
      args.memory_kib = parse_number<std::uint64_t>(v, "--memory-kib");
    } else if (a == "--iterations") {
      args.iterations = parse_number<std::uint64_t>(v, "--iterations");
    } else {
      usage("unknown argument " + std::string(a));
    }
  }
  if (args.threads == 0) args.threads = std::max(1u, std::thread::hardware_concurrency());
  if (args.seconds <= 0) usage("--seconds must be positive");
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "argon2_ceiling: sodium_init failed\n");
    return 1;
  }
  static constexpr char kPassword[] = "correct horse battery staple";
  const std::size_t memlimit = args.memory_kib * 1024;
  char phc[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(phc, kPassword, sizeof kPassword - 1, args.iterations, memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    std::fprintf(stderr, "argon2_ceiling: hashing failed (out of memory or bad parameters)\n");
    return 1;
  }

  using Clock = std::chrono::steady_clock;
  std::atomic<std::uint64_t> total{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(args.seconds));
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < args.threads; ++t) {
      workers.emplace_back([&] {
        std::uint64_t done = 0;
        while (Clock::now() < deadline) {
          if (crypto_pwhash_str_verify(phc, kPassword, sizeof kPassword - 1) != 0) {
            failed = true;
            return;
          }
          ++done;
        }
        total += done;
      });
    }
  }  // joined
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) {
    std::fprintf(stderr, "argon2_ceiling: verification of our own hash failed\n");
    return 1;
  }
  const double rate = static_cast<double>(total.load()) / elapsed;
  std::printf(
      "{\"hashes_per_s\":%.2f,\"threads\":%u,\"memory_kib\":%llu,\"iterations\":%llu,"
      "\"seconds\":%.3f,\"hashes\":%llu,\"ms_per_hash\":%.3f}\n",
      rate, args.threads, static_cast<unsigned long long>(args.memory_kib),
      static_cast<unsigned long long>(args.iterations), elapsed,
      static_cast<unsigned long long>(total.load()), rate > 0 ? 1000.0 * args.threads / rate : 0.0);
  return 0;
}
