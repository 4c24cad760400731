// How the Redis stores write values as Redis strings and read them back: lowercase hex for ids
// and hashes (it sorts like the bytes, so Redis's lexicographic ties match the other
// backends' byte order), decimal integers, and sorted-set scores.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::store::redis {

std::string hex(std::span<const std::uint8_t> bytes);

// The bytes of exactly 2*N lowercase or uppercase hex digits; nullopt otherwise.
std::optional<std::vector<std::uint8_t>> unhex(std::string_view text);
template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> unhex_array(std::string_view text) {
  auto bytes = unhex(text);
  if (!bytes || bytes->size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = (*bytes)[i];
  return out;
}

// A whole decimal int64 ("-12"); nullopt for anything else (spaces, "1e3", "", overflow).
std::optional<std::int64_t> parse_int(std::string_view text);

// Sorted-set scores are doubles, exact for integers up to 2^53 in magnitude (about 285 million
// years in seconds): values stored as scores are clamped to that, so what is read back is what
// was compared.
inline constexpr std::int64_t kMaxScore = std::int64_t{1} << 53;
std::int64_t clamp_score(std::int64_t v);

// "(v": an exclusive bound for ZRANGEBYSCORE (any int64; Redis compares it as a double).
std::string below(std::int64_t v);

// n as a decimal count for LIMIT, at most INT64_MAX.
std::string count(std::size_t n);

}  // namespace tessera::store::redis
