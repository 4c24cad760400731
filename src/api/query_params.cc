#include "api/query_params.h"

#include <charconv>
#include <string>

#include "api/error_mapping.h"

namespace tessera::api {

std::expected<http::FormFields, http::Response> query_params(std::string_view query) {
  auto fields = http::parse_form(query);
  if (!fields)
    return std::unexpected(
        problem_response(400, http::codes::kBadQuery, "query: " + fields.error()));
  for (std::size_t i = 0; i < fields->size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if ((*fields)[j].first == (*fields)[i].first) {
        return std::unexpected(bad_param((*fields)[i].first, "given more than once"));
      }
    }
  }
  return std::move(*fields);
}

http::Response bad_param(std::string_view name, std::string_view why) {
  return problem_response(400, http::codes::kBadQuery, std::string(name) + ": " + std::string(why));
}

http::Response unknown_param() {
  return problem_response(400, http::codes::kBadQuery, "unknown query parameter");
}

std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t min, std::int64_t max) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s[0] == '-' || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

std::expected<std::size_t, http::Response> page_limit(std::string_view value) {
  auto v = parse_int(value, 1, kMaxPageLimit);
  if (!v) return std::unexpected(bad_param("limit", "must be an integer from 1 to 1000"));
  return static_cast<std::size_t>(*v);
}

}  // namespace tessera::api
