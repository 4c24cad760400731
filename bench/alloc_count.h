// Counting heap allocations in the benchmarks (jose_bench, tokens_bench): alloc_count.cc
// interposes malloc, calloc and realloc (glibc lets a program do that) and counts per thread,
// forwarding to glibc's own allocator. posix_memalign/aligned_alloc are not counted; nothing
// on the measured paths uses them. The cost in a timed loop is one thread-local increment per
// allocation.
#pragma once

#include <cstdint>

namespace tessera::bench {

// Allocations made by the calling thread since it started.
std::uint64_t thread_allocations();

}  // namespace tessera::bench
