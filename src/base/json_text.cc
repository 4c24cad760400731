#include "base/json_text.h"

#include <array>
#include <string>

namespace tessera::base {
namespace {

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629 section 4), 0 if none.
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;  // a continuation byte, 0xc0/0xc1 (overlong), 0xf5..0xff
}

// The bytes a JSON string carries as they are: printable ASCII but `"` and `\`. One table
// lookup per byte: the answers on the token endpoints are mostly one 500-byte token.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int b = 0x20; b < 0x80; ++b) t[static_cast<std::size_t>(b)] = b != '"' && b != '\\';
  return t;
}();

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    // The common case first: a run of printable ASCII that needs no escape, in one append.
    std::size_t end = i;
    while (end < text.size() && kPlain[static_cast<unsigned char>(text[end])]) ++end;
    if (end > i) {
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text.substr(i));
      if (n == 0) {
        out.append("\xef\xbf\xbd");  // U+FFFD
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0x0f]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void append_json_strings(std::string& out, const std::vector<std::string>& items) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(out, items[i]);
  }
  out.push_back(']');
}

JsonObjectWriter& JsonObjectWriter::string(std::string_view key, std::string_view value) {
  append_json_string(key_(key), value);
  return *this;
}

JsonObjectWriter& JsonObjectWriter::integer(std::string_view key, std::int64_t value) {
  key_(key).append(std::to_string(value));
  return *this;
}

JsonObjectWriter& JsonObjectWriter::strings(std::string_view key,
                                            const std::vector<std::string>& values) {
  append_json_strings(key_(key), values);
  return *this;
}

std::string& JsonObjectWriter::key_(std::string_view key) {
  if (text_.size() > 1) text_.push_back(',');  // after "{", every member but the first
  append_json_string(text_, key);
  text_.push_back(':');
  return text_;
}

std::string JsonObjectWriter::take() {
  text_.push_back('}');
  return std::move(text_);
}

}  // namespace tessera::base
