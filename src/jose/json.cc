#include "jose/json.h"

#include <algorithm>
#include <vector>

namespace tessera::jose::json {
namespace {

// Duplicate check for one object. Small objects (JOSE headers, claims) compare pairwise with
// no allocation; large ones sort a copy of the names.
bool has_duplicate_keys(simdjson::dom::object obj) {
  const std::size_t n = obj.size();
  if (n <= 16) {
    std::string_view keys[16];
    std::size_t i = 0;
    for (auto field : obj) {
      for (std::size_t j = 0; j < i; ++j) {
        if (keys[j] == field.key) return true;
      }
      keys[i++] = field.key;
    }
    return false;
  }
  std::vector<std::string_view> keys;
  keys.reserve(n);
  for (auto field : obj) keys.push_back(field.key);
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

bool has_duplicates(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT: {
      auto obj = simdjson::dom::object(e);
      if (has_duplicate_keys(obj)) return true;
      for (auto field : obj) {
        if (has_duplicates(field.value)) return true;
      }
      return false;
    }
    case simdjson::dom::element_type::ARRAY:
      for (auto v : simdjson::dom::array(e)) {
        if (has_duplicates(v)) return true;
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

StrictParser::StrictParser() {
  // Room for any token-sized document without growing; larger documents (JWK sets) grow the
  // parser once.
  // On failure (out of memory) the parser stays empty and grows on first use instead.
  if (parser_.allocate(16 * 1024, kMaxDepth) != simdjson::SUCCESS) return;
  buffer_.reserve(16 * 1024 + simdjson::SIMDJSON_PADDING);
}

std::expected<simdjson::dom::object, Error> StrictParser::parse_object(std::string_view text) {
  if (buffer_.capacity() < text.size() + simdjson::SIMDJSON_PADDING) {
    buffer_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  }
  buffer_.assign(text);
  simdjson::dom::element root;
  // The buffer has capacity for the padding, so simdjson need not copy it again.
  const auto err = parser_.parse(buffer_.data(), text.size(), false).get(root);
  if (err == simdjson::DEPTH_ERROR) return std::unexpected(Error::kTooDeep);
  if (err != simdjson::SUCCESS) return std::unexpected(Error::kBadJson);
  if (!root.is_object()) return std::unexpected(Error::kNotAnObject);
  if (has_duplicates(root)) return std::unexpected(Error::kDuplicateMember);
  return simdjson::dom::object(root);
}

std::expected<std::optional<std::string_view>, Error> get_string(simdjson::dom::object obj,
                                                                 std::string_view key,
                                                                 Error type_error) {
  simdjson::dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return std::unexpected(type_error);
  return s;
}

std::optional<std::int64_t> as_int64(simdjson::dom::element e) {
  if (e.type() == simdjson::dom::element_type::INT64) return int64_t(e);
  if (e.type() == simdjson::dom::element_type::UINT64) return std::nullopt;  // > INT64_MAX
  return std::nullopt;
}

}  // namespace tessera::jose::json
