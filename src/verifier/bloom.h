// A Bloom filter over short strings (the denylist's jti values), so that checking a token that
// is NOT revoked - almost every token - costs a few hashes and bit reads instead of a store
// round-trip. A "maybe" answer is confirmed by the store; "no" is certain.
//
// Sized from the expected number of entries n and the false-positive rate p at n entries:
// m = -n ln p / (ln 2)^2 bits (rounded up to whole 64-bit words) and k = (m / n) ln 2 probes.
// The k probe positions come from ONE keyed 64-bit hash by double hashing (Kirsch-Mitzenmacher):
// its halves h1 and h2 (h2 made odd) give g_i = h1 + i * h2 mod 2^32, mapped onto [0, m) by a
// multiply-shift ((g_i * m) >> 32, Lemire's "fastrange") instead of a division. m stays what
// the formula gives (no rounding to a power of two), so the false-positive rate is the sized
// one; revocation_test.cc measures it.
//
// The hash is SipHash-1-3 under a random key (per filter, or shared: BloomKey), so nobody outside
// the process can aim strings at the same bits. SipHash-1-3 (1 compression round, 3 finalization
// rounds) is the variant Rust's HashMap and CPython's str hash use against hash flooding; its
// full-strength sibling SipHash-2-4 is a MAC, which this is not: the worst a predicted hash could
// do is a false positive, i.e. one store lookup (never a missed revocation: the filter has no false
// negatives whatever the hash). It is about twice as fast as SipHash-2-4 on a 30-byte jti.
//
// Thread-safe without locks: bits are set with atomic OR and read with atomic loads, so
// add() may run concurrently with might_contain(). Entries cannot be removed; the owner
// rebuilds a fresh filter when entries expire (auth/revocation.cc).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace tessera::verifier {

// SipHash-c-d (Aumasson and Bernstein) with a 64-bit output; key = k0 || k1 (little-endian
// words). SipHash<2, 4> is the reference SipHash-2-4 (libsodium's crypto_shorthash_siphash24).
template <int C, int D>
[[gnu::always_inline]] inline std::uint64_t siphash64(std::uint64_t k0, std::uint64_t k1,
                                                      std::string_view data) {
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
  std::uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
  std::uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
  std::uint64_t v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  };
  auto compress = [&](std::uint64_t m) {
    v3 ^= m;
    for (int r = 0; r < C; ++r) round();
    v0 ^= m;
  };
  const char* p = data.data();
  const std::size_t n = data.size();
  const std::size_t whole = n & ~std::size_t{7};
  for (std::size_t i = 0; i < whole; i += 8) {
    std::uint64_t m;
    std::memcpy(&m, p + i, 8);
    if constexpr (std::endian::native == std::endian::big) m = std::byteswap(m);
    compress(m);
  }
  // The last 0-7 bytes, little-endian, with the length in the top byte.
  const std::size_t rest = n & 7;
  std::uint64_t last = 0;
  if (rest != 0 && n >= 8) {
    std::memcpy(&last, p + n - 8, 8);  // overlapping the last whole word: keep its top bytes
    if constexpr (std::endian::native == std::endian::big) last = std::byteswap(last);
    last >>= 8 * (8 - rest);
  } else {
    for (std::size_t i = 0; i < rest; ++i) {
      last |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[whole + i])) << (8 * i);
    }
  }
  compress(last | static_cast<std::uint64_t>(n) << 56);
  v2 ^= 0xff;
  for (int r = 0; r < D; ++r) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// The SipHash key of a filter. Filters built with the same key hash a string alike, so a
// caller can hash a key once (BloomKey::hash) and probe every later filter with the hash
// (might_contain_hash): the revocation service keeps one key for its whole life and rebuilds
// filters under it, and the verified-token cache keeps each token's hashes.
struct BloomKey {
  std::uint64_t k0 = 0, k1 = 0;
  static BloomKey random();  // from the OS CSPRNG
  std::uint64_t hash(std::string_view key) const { return siphash64<1, 3>(k0, k1, key); }
};

class BloomFilter {
 public:
  // REQUIRES: expected_entries >= 1, 0 < false_positive_rate < 1. At most 2^32 bits.
  BloomFilter(std::size_t expected_entries, double false_positive_rate,
              BloomKey key = BloomKey::random());

  void add(std::string_view key);
  // false: certainly never added. true: added, or a false positive. Inline: it is the hot
  // path of every access-token verification.
  bool might_contain(std::string_view key) const { return might_contain_hash(key_.hash(key)); }
  // The same for `h` = key().hash(k), computed earlier.
  bool might_contain_hash(std::uint64_t h) const {
    for (unsigned i = 0; i < probes_; ++i) {
      const std::uint64_t bit = probe(h, i);
      if ((words_[bit / 64].load(std::memory_order_acquire) & (std::uint64_t{1} << (bit % 64))) ==
          0) {
        return false;
      }
    }
    return true;
  }

  std::size_t bits() const { return bits_; }
  unsigned probes() const { return probes_; }
  std::size_t added() const { return added_.load(std::memory_order_relaxed); }
  const BloomKey& key() const { return key_; }

 private:
  // The i-th probe's bit index in [0, bits_), from hash(key).
  std::uint64_t probe(std::uint64_t h, unsigned i) const {
    // h1 + i * h2 mod 2^32 (unsigned arithmetic wraps), h2 odd.
    const std::uint32_t g =
        static_cast<std::uint32_t>(h) + i * (static_cast<std::uint32_t>(h >> 32) | 1);
    return (static_cast<std::uint64_t>(g) * bits_) >> 32;  // bits_ <= 2^32: no overflow
  }

  std::uint64_t bits_;  // a multiple of 64, at most 2^32
  unsigned probes_;
  BloomKey key_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
  std::atomic<std::size_t> added_{0};
};

}  // namespace tessera::verifier
