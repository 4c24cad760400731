// Slow, obviously-correct references the request-path fuzz targets check the parsers against
// (fuzz_cookie_header, fuzz_form, fuzz_forwarded_for, fuzz_json_body). Test-only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tessera::fuzz {

// Reports the broken invariant and aborts (libFuzzer keeps the input).
[[noreturn]] inline void fail(const char* target, const char* what) {
  std::fprintf(stderr, "%s: invariant violated: %s\n", target, what);
  std::abort();
}

// `s` without leading and trailing SP and HTAB (HTTP's OWS).
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Well-formed UTF-8 by the Unicode Standard's Table 3-7, row by row (no overlong forms, no
// surrogates, nothing above U+10FFFF): written apart from http::is_utf8 on purpose.
inline bool reference_utf8(std::string_view s) {
  auto in = [](unsigned c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  for (std::size_t i = 0; i < s.size();) {
    // Byte k of the sequence at i (0 past the end: never a valid byte there).
    const auto b = [&](std::size_t k) -> unsigned {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
    };
    const unsigned c = b(0);
    std::size_t n = 0;
    if (c <= 0x7F) {
      n = 1;
    } else if (in(c, 0xC2, 0xDF) && in(b(1), 0x80, 0xBF)) {
      n = 2;
    } else if (c == 0xE0 && in(b(1), 0xA0, 0xBF) && in(b(2), 0x80, 0xBF)) {
      n = 3;
    } else if ((in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) && in(b(1), 0x80, 0xBF) &&
               in(b(2), 0x80, 0xBF)) {
      n = 3;
    } else if (c == 0xED && in(b(1), 0x80, 0x9F) && in(b(2), 0x80, 0xBF)) {
      n = 3;
    } else if (c == 0xF0 && in(b(1), 0x90, 0xBF) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF)) {
      n = 4;
    } else if (in(c, 0xF1, 0xF3) && in(b(1), 0x80, 0xBF) && in(b(2), 0x80, 0xBF) &&
               in(b(3), 0x80, 0xBF)) {
      n = 4;
    } else if (c == 0xF4 && in(b(1), 0x80, 0x8F) && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF)) {
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    i += n;
  }
  return true;
}

}  // namespace tessera::fuzz
