#include "alloc_count.h"

#include <cstddef>

extern "C" {
void* __libc_malloc(std::size_t);  // NOLINT: glibc's allocator
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
}

namespace {
thread_local std::uint64_t t_allocs = 0;
}

extern "C" {
void* malloc(std::size_t n) {  // NOLINT
  ++t_allocs;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t m) {  // NOLINT
  ++t_allocs;
  return __libc_calloc(n, m);
}
void* realloc(void* p, std::size_t n) {  // NOLINT
  ++t_allocs;
  return __libc_realloc(p, n);
}
}

namespace tessera::bench {

std::uint64_t thread_allocations() { return t_allocs; }

}  // namespace tessera::bench
