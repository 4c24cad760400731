// A Bloom filter over short strings (the denylist's jti values), so that checking a token that
// is NOT revoked - almost every token - costs a few hashes and bit reads instead of a store
// round-trip. A "maybe" answer is confirmed by the store; "no" is certain.
//
// Sized from the expected number of entries n and the false-positive rate p at n entries:
// m = -n ln p / (ln 2)^2 bits and k = (m / n) ln 2 probes, from two 64-bit halves of one keyed
// SipHash (Kirsch-Mitzenmacher double hashing). The hash key is random per filter, so nobody
// outside the process can aim strings at the same bits.
//
// Thread-safe without locks: bits are set with atomic OR and read with atomic loads, so
// add() may run concurrently with might_contain(). Entries cannot be removed; the owner
// rebuilds a fresh filter when entries expire (auth/revocation.cc).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "crypto/hash.h"

namespace tessera::auth {

class BloomFilter {
 public:
  // REQUIRES: expected_entries >= 1, 0 < false_positive_rate < 1. At most 2^32 bits.
  BloomFilter(std::size_t expected_entries, double false_positive_rate);

  void add(std::string_view key);
  // false: certainly never added. true: added, or a false positive.
  bool might_contain(std::string_view key) const;

  std::size_t bits() const { return bits_; }
  unsigned probes() const { return probes_; }
  std::size_t added() const { return added_.load(std::memory_order_relaxed); }

 private:
  std::size_t bits_;
  unsigned probes_;
  crypto::ShortHashKey key_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
  std::atomic<std::size_t> added_{0};
};

}  // namespace tessera::auth
