// How the Redis stores write values as Redis strings and read them back: lowercase hex for
// token hashes (store::to_hex: it sorts like the bytes, so Redis's lexicographic ties match the
// other backends' byte order), UUIDs for user ids (store/types.h), decimal integers, and sorted-set
// scores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/types.h"

namespace tessera::store::redis {

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
