// Writing the API's JSON answers. Hand-built JSON for the few answers on a hot path (GET
// /auth/me), where building an nlohmann::json tree costs more allocations than the rest of the
// request; everything else builds an nlohmann tree and writes it with dump_json.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::api {

// `j` as compact JSON text, each invalid UTF-8 byte in a string (an echoed value) written as
// U+FFFD rather than thrown on: an answer never fails on what a client sent.
std::string dump_json(const nlohmann::json& j);
std::string dump_json(const nlohmann::ordered_json& j);

// Appends `text` as a JSON string literal (RFC 8259 section 7), quotes included: `"` and `\`
// escaped, control characters as \b \f \n \r \t or \u00XX, valid UTF-8 copied as it is, and
// each byte that does not start a valid UTF-8 sequence (overlong, surrogate, beyond U+10FFFF,
// truncated) replaced by U+FFFD, as nlohmann's dump with error_handler_t::replace does. The
// output is always valid JSON in valid UTF-8.
void append_json_string(std::string& out, std::string_view text);

// Appends a JSON array of strings.
void append_json_strings(std::string& out, const std::vector<std::string>& items);

}  // namespace tessera::api
