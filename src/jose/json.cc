#include "jose/json.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace tessera::jose::json {
namespace {

bool has_duplicates(simdjson::dom::element e);

// One pass over an object: each name against the earlier ones, each value checked in turn.
// Small objects (JOSE headers, claims) compare pairwise with no allocation; large ones sort a
// copy of the names.
bool object_has_duplicates(simdjson::dom::object obj) {
  constexpr std::size_t kSmall = 16;
  const bool small = obj.size() <= kSmall;
  // Plain arrays, left uninitialised: only the first i entries are ever read.
  const char* data[kSmall];
  std::size_t size[kSmall];
  std::vector<std::string_view> many;
  if (!small) many.reserve(obj.size());
  std::size_t i = 0;
  for (auto field : obj) {
    const std::string_view name = field.key;
    if (small) {
      for (std::size_t j = 0; j < i; ++j) {
        // Sizes and first bytes first: most names differ there, without a memcmp call.
        if (size[j] == name.size() && (name.empty() || data[j][0] == name[0]) &&
            std::memcmp(data[j], name.data(), name.size()) == 0) {
          return true;
        }
      }
      data[i] = name.data();
      size[i++] = name.size();
    } else {
      many.push_back(name);
    }
    if (has_duplicates(field.value)) return true;
  }
  if (small) return false;
  std::sort(many.begin(), many.end());
  return std::adjacent_find(many.begin(), many.end()) != many.end();
}

bool has_duplicates(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::OBJECT:
      return object_has_duplicates(simdjson::dom::object(e));
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
