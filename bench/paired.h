// Paired measurement of several operations in one benchmark (the BM_Pair_* rows): blocks of
// each operation (~0.5 ms of the slowest) run in rotating order, each block timed with the
// thread's CPU clock, so every operation sees the same machine state and their ratio is far
// steadier than that of separate benchmarks on a shared machine.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace tessera::bench {

inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `ops` (each returns whether it succeeded) under `state`. Returns the CPU nanoseconds
// per call of each, in the order given; nullopt (and the benchmark skipped with an error)
// when an operation failed.
inline std::optional<std::vector<double>> run_paired(benchmark::State& state,
                                                     std::span<const std::function<bool()>> ops) {
  std::vector<double> seconds(ops.size(), 0.0);
  // Block size: about 0.5 ms of the slowest operation, so the clock reads cost < 0.1%.
  double slowest = 0;
  for (const auto& op : ops) {
    if (!op()) {
      state.SkipWithError("operation failed before timing");
      return std::nullopt;
    }
    const double t0 = thread_cpu_seconds();
    for (int i = 0; i < 8; ++i) op();
    slowest = std::max(slowest, (thread_cpu_seconds() - t0) / 8);
  }
  const int block = static_cast<int>(std::clamp(std::lround(0.5e-3 / slowest), 1L, 4096L));
  bool ok = true;
  std::size_t rotation = 0;
  for (auto _ : state) {
    for (std::size_t j = 0; j < ops.size(); ++j) {
      const std::size_t k = (rotation + j) % ops.size();
      const double t0 = thread_cpu_seconds();
      for (int i = 0; i < block; ++i) {
        const bool r = ops[k]();
        benchmark::DoNotOptimize(r);
        ok &= r;
      }
      seconds[k] += thread_cpu_seconds() - t0;
    }
    ++rotation;
  }
  if (!ok) {
    state.SkipWithError("operation failed during timing");
    return std::nullopt;
  }
  const double calls = static_cast<double>(state.iterations()) * block;
  for (double& s : seconds) s = s / calls * 1e9;
  return seconds;
}

}  // namespace tessera::bench
