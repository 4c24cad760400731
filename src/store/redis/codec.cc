#include "store/redis/codec.h"

#include <charconv>

namespace tessera::store::redis {

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::int64_t clamp_score(std::int64_t v) {
  return v > kMaxScore ? kMaxScore : v < -kMaxScore ? -kMaxScore : v;
}

std::string below(std::int64_t v) { return "(" + std::to_string(v); }

std::string count(std::size_t n) {
  constexpr auto kMax = static_cast<std::size_t>(INT64_MAX);
  return std::to_string(n > kMax ? kMax : n);
}

}  // namespace tessera::store::redis
