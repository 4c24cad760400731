#include "auth/text.h"

#include <algorithm>
#include <cstdint>

namespace tessera::auth {
namespace detail {

std::int32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = 0;
  std::int32_t cp = 0;
  std::int32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return -1;  // a continuation byte or 0xF8..0xFF as a lead byte
  }
  if (i + len > s.size()) {
    ++i;
    return -1;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return -1;
  }
  i += len;
  return cp;
}

}  // namespace detail

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (detail::next_code_point(text, i) < 0) return false;
  }
  return true;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++n) detail::next_code_point(text, i);
  return n;
}

std::string sanitize_truncate(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const std::int32_t cp = detail::next_code_point(text, i);
    const bool bad = cp < 0 || cp < 0x20 || cp == 0x7F;
    const std::size_t len = bad ? 1 : i - start;
    if (out.size() + len > max_bytes) break;
    if (bad) {
      out += '?';
    } else {
      out.append(text.substr(start, len));
    }
  }
  return out;
}

}  // namespace tessera::auth
