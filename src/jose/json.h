// Strict JSON for JOSE: simdjson's DOM (which validates UTF-8 and refuses control characters
// and trailing garbage) plus what JOSE needs beyond it: duplicate member names are an error
// (RFC 7515 section 5.2 lets us refuse them, and we do, so two parsers can never disagree about
// a member), and nesting is capped.
//
// A StrictParser is not thread-safe; keep one per thread (thread_local). The elements it
// returns stay valid until its next parse.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/jose_error.h"

namespace tessera::jose::json {

inline constexpr std::size_t kMaxDepth = 16;

class StrictParser {
 public:
  StrictParser();
  // Parses `text`, which must be one JSON object.
  std::expected<simdjson::dom::object, Error> parse_object(std::string_view text);

 private:
  simdjson::dom::parser parser_;
  std::string buffer_;  // padded copy of the input, reused across calls
};

// Typed member access. Absent -> nullopt; present with another type -> `type_error`.
std::expected<std::optional<std::string_view>, Error> get_string(simdjson::dom::object obj,
                                                                 std::string_view key,
                                                                 Error type_error);

// `name` == `literal`, for the short member names JOSE looks for. The literal's length is a
// constant, so the comparison compiles to a few loads instead of a memcmp call.
template <std::size_t N>
bool name_is(std::string_view name, const char (&literal)[N]) {
  return name.size() == N - 1 && std::memcmp(name.data(), literal, N - 1) == 0;
}

// An integer that fits int64 (no fraction, no exponent).
std::optional<std::int64_t> as_int64(simdjson::dom::element e);

}  // namespace tessera::jose::json
