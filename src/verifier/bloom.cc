#include "verifier/bloom.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "crypto/hash.h"

namespace tessera::verifier {

BloomKey BloomKey::random() {
  const std::string seed = crypto::random_bytes(2 * sizeof(std::uint64_t));
  BloomKey k;
  std::memcpy(&k.k0, seed.data(), sizeof k.k0);
  std::memcpy(&k.k1, seed.data() + sizeof k.k0, sizeof k.k1);
  return k;
}

BloomFilter::BloomFilter(std::size_t expected_entries, double false_positive_rate, BloomKey key)
    : key_(key) {
  const double n = static_cast<double>(std::max<std::size_t>(1, expected_entries));
  const double p = std::clamp(false_positive_rate, 1e-12, 0.5);
  const double ln2 = std::log(2.0);
  const double m = std::ceil(-n * std::log(p) / (ln2 * ln2));
  bits_ = static_cast<std::uint64_t>(std::clamp(m, 64.0, 4294967296.0));
  bits_ = (bits_ + 63) / 64 * 64;  // still <= 2^32, which probe() relies on
  probes_ = static_cast<unsigned>(
      std::clamp(std::round(static_cast<double>(bits_) / n * ln2), 1.0, 30.0));
  words_ = std::make_unique<std::atomic<std::uint64_t>[]>(bits_ / 64);
  for (std::size_t i = 0; i < bits_ / 64; ++i) words_[i].store(0, std::memory_order_relaxed);
}

void BloomFilter::add(std::string_view key) {
  const std::uint64_t h = key_.hash(key);
  for (unsigned i = 0; i < probes_; ++i) {
    const std::uint64_t bit = probe(h, i);
    words_[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_release);
  }
  added_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace tessera::verifier
