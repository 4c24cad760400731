// Small UTF-8 helpers for values the auth domain stores or measures (user agents, passwords).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::auth {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view text);

// Number of code points in well-formed UTF-8 (each ill-formed byte counts as one).
std::size_t count_code_points(std::string_view text);

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence, with ill-formed
// bytes and C0/DEL controls replaced by '?' (stored values are shown on pages and in logs).
std::string sanitize_truncate(std::string_view text, std::size_t max_bytes);

namespace detail {
// Decodes one code point at `i` (advancing past it), or returns -1 and advances one byte if
// the sequence there is ill-formed.
std::int32_t next_code_point(std::string_view s, std::size_t& i);
}  // namespace detail

}  // namespace tessera::auth
