// JSON text written directly, without an nlohmann tree: for the few documents on a hot path
// (the claims of every access token, the token endpoints' answers, GET /auth/me), where
// building a tree and dumping it costs more than the rest of the work around the signature
// (bench/README.md, "Where the time goes"). Everything else builds an nlohmann tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::base {

// Appends `text` as a JSON string literal (RFC 8259 section 7), quotes included: `"` and `\`
// escaped, control characters as \b \f \n \r \t or \u00XX, valid UTF-8 copied as it is, and
// each byte that does not start a valid UTF-8 sequence (overlong, surrogate, beyond U+10FFFF,
// truncated) replaced by U+FFFD, as nlohmann's dump with error_handler_t::replace does. The
// output is always valid JSON in valid UTF-8.
void append_json_string(std::string& out, std::string_view text);

// Appends a JSON array of strings.
void append_json_strings(std::string& out, const std::vector<std::string>& items);

// One JSON object written member by member, in the order given: {"k":v,...}. Keys and string
// values are escaped as append_json_string() does, so the text is always valid JSON in valid
// UTF-8. The caller writes each key once (nothing checks for duplicates).
class JsonObjectWriter {
 public:
  JsonObjectWriter() : text_("{") {}
  explicit JsonObjectWriter(std::size_t reserve) : JsonObjectWriter() { text_.reserve(reserve); }
  JsonObjectWriter& string(std::string_view key, std::string_view value);
  JsonObjectWriter& integer(std::string_view key, std::int64_t value);
  JsonObjectWriter& strings(std::string_view key, const std::vector<std::string>& values);
  // The object, closed; the writer is left empty.
  std::string take();

 private:
  std::string& key_(std::string_view key);  // the separator and `"key":`
  std::string text_;
};

}  // namespace tessera::base
