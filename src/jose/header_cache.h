// A small cache of JWS protected headers that passed every header rule, keyed by the exact
// bytes of their base64url segment. Private to jose/ (jws.cc keeps one per thread).
//
// Why: tokens from one issuer share one header, so verifying them repeats the same work on the
// same bytes: base64url, strict JSON with duplicate detection, the header rules. That work is
// a pure function of the segment's bytes, so a hit (a full byte-for-byte comparison, never a
// hash alone) gives exactly what parsing again would give.
//
// Only headers that passed every rule are stored (and jws.cc stores them only once a trusted
// key's signature over them verified, so tokens nobody signed cannot push the issuers' headers
// out); a refused header is parsed, and refused, again each time it is presented. Nothing
// about keys is cached: the key set, kid lookup and algorithm pinning are decided per call.
//
// Bounded: kEntries entries, each for a segment of at most kMaxSegment bytes (longer segments
// are simply not cached), replaced round-robin. Not thread-safe: one per thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
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
    // Length and last 8 bytes first (a cheap filter for the misses: one issuer's headers of
    // one length usually differ at the end, in kid or typ), then every byte.
    const std::uint64_t tail = tail_of(segment);
    auto matches = [&](const Entry& e) {
      return e.used && e.tail == tail && e.segment.size() == segment.size() &&
             std::memcmp(e.segment.data(), segment.data(), segment.size()) == 0;
    };
    if (matches(entries_[last_])) return &entries_[last_].header;
    for (std::size_t i = 0; i < kEntries; ++i) {
      if (matches(entries_[i])) {
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
    e.tail = tail_of(segment);
    e.header = header;
    e.used = true;
    last_ = next_;
    next_ = (next_ + 1) % kEntries;
    return &e.header;
  }

 private:
  struct Entry {
    std::string segment;
    std::uint64_t tail = 0;  // tail_of(segment)
    CheckedHeader header;
    bool used = false;
  };

  // The last (up to) 8 bytes of `s`, as a number.
  static std::uint64_t tail_of(std::string_view s) {
    std::uint64_t t = 0;
    if (s.size() >= sizeof t) {
      std::memcpy(&t, s.data() + s.size() - sizeof t, sizeof t);
    } else if (!s.empty()) {
      std::memcpy(&t, s.data(), s.size());
    }
    return t;
  }
  std::array<Entry, kEntries> entries_;
  std::size_t next_ = 0;  // the entry insert() replaces
  std::size_t last_ = 0;  // the entry find() tries first
};

}  // namespace tessera::jose::detail
