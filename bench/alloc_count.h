// Counting heap allocations in the benchmarks (jose_bench, tokens_bench): alloc_count.cc
// interposes malloc, calloc and realloc (glibc lets a program do that) and counts per thread,
// forwarding to glibc's own allocator. posix_memalign/aligned_alloc are not counted; nothing
// on the measured paths uses them. The cost in a timed loop is one thread-local increment per
// allocation.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

namespace tessera::bench {

// Allocations made by the calling thread since it started.
std::uint64_t thread_allocations();

// Runs `op` (returning true on success) untimed once (first-call lazy initialisation is not
// counted) and `counted` times counting allocations, then in the timed loop; reports items/s
// and `allocs` per call (not with counted = 0: for slow calls, or calls that allocate on other
// threads). Skips the benchmark with an error if any call fails.
template <typename Op>
void run_counted(benchmark::State& state, Op&& op, int counted = 64) {
  if (!op()) {
    state.SkipWithError("operation failed before timing");
    return;
  }
  const std::uint64_t before = thread_allocations();
  for (int i = 0; i < counted; ++i) {
    if (!op()) {
      state.SkipWithError("operation failed before timing");
      return;
    }
  }
  const double allocs =
      counted > 0 ? static_cast<double>(thread_allocations() - before) / counted : 0;
  bool ok = true;
  for (auto _ : state) {
    const bool r = op();
    benchmark::DoNotOptimize(r);
    ok &= r;
  }
  if (!ok) state.SkipWithError("operation failed during timing");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (counted > 0) {
    state.counters["allocs"] = benchmark::Counter(allocs, benchmark::Counter::kAvgThreads);
  }
}

}  // namespace tessera::bench
