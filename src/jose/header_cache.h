// A small cache of JWS protected headers that passed every header rule, keyed by the exact
// bytes of their base64url segment. Private to jose/ (jws.cc keeps one per thread).
//
// Why: tokens from one issuer share one header, so verifying them repeats the same work on the
// same bytes: base64url, strict JSON with duplicate detection, the header rules. That work is
// a pure function of the segment's bytes, so a hit (a full byte-for-byte comparison, never a
// hash alone) gives exactly what parsing again would give.
//
// Only headers that passed every rule are stored; a refused header is parsed, and refused,
// again each time it is presented. Nothing about keys is cached: the key set, kid lookup and
// algorithm pinning are decided per call.
//
// Bounded: kEntries entries, each for a segment of at most kMaxSegment bytes (longer segments
// are simply not cached), replaced round-robin. Not thread-safe: one per thread.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/jwk.h"

namespace tessera::jose::detail {

// What verify() still needs of a header that passed every header rule.
struct CheckedHeader {
  Alg alg{};
  std::optional<std::string> kid, typ;
};

class HeaderCache {
 public:
  static constexpr std::size_t kEntries = 8;
  static constexpr std::size_t kMaxSegment = 512;

  // The header stored for exactly these segment bytes, or nullptr. The pointer stays valid
  // until the next insert().
  const CheckedHeader* find(std::string_view segment) {
    if (entries_[last_].used && entries_[last_].segment == segment) return &entries_[last_].header;
    for (std::size_t i = 0; i < kEntries; ++i) {
      if (entries_[i].used && entries_[i].segment == segment) {
        last_ = i;
        return &entries_[i].header;
      }
    }
    return nullptr;
  }

  // Stores `header` for `segment`, replacing the oldest entry, and returns the stored copy
  // (valid until the next insert), or nullptr when `segment` is longer than kMaxSegment and is
  // not stored. REQUIRES: `header` is what the header rules make of exactly `segment`, which
  // passed them all, and find(segment) is nullptr. Reuses the entries' storage.
  const CheckedHeader* insert(std::string_view segment, const CheckedHeader& header) {
    if (segment.size() > kMaxSegment) return nullptr;
    Entry& e = entries_[next_];
    e.segment.assign(segment);
    e.header = header;
    e.used = true;
    last_ = next_;
    next_ = (next_ + 1) % kEntries;
    return &e.header;
  }

 private:
  struct Entry {
    std::string segment;
    CheckedHeader header;
    bool used = false;
  };
  std::array<Entry, kEntries> entries_;
  std::size_t next_ = 0;  // the entry insert() replaces
  std::size_t last_ = 0;  // the entry find() tries first
};

}  // namespace tessera::jose::detail
