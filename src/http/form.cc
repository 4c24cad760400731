#include "http/form.h"

#include <cstdint>

namespace tessera::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::expected<std::string, std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return std::unexpected("form body has a malformed percent-escape");
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::unexpected("form body has a NUL byte");
      out += decoded;
      i += 2;
    } else {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u > 0x7E)
        return std::unexpected("form body has a raw byte that must be escaped");
      out += c;
    }
  }
  if (!is_utf8(out)) return std::unexpected("form body is not UTF-8");
  return out;
}

bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong lead (C0/C1) or beyond U+10FFFF (F5..FF)
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::expected<FormFields, std::string> parse_form(std::string_view body) {
  FormFields fields;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    std::size_t end = amp == std::string_view::npos ? body.size() : amp;
    std::string_view pair = body.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::unexpected("form body has a field without '='");
    auto name = form_decode(pair.substr(0, eq));
    if (!name) return std::unexpected(name.error());
    auto value = form_decode(pair.substr(eq + 1));
    if (!value) return std::unexpected(value.error());
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

std::optional<std::string_view> form_field(const FormFields& fields, std::string_view name) {
  std::optional<std::string_view> found;
  for (const auto& [n, v] : fields) {
    if (n != name) continue;
    if (found) return std::nullopt;  // repeated: ambiguous
    found = v;
  }
  return found;
}

bool has_media_type(const Request& req, std::string_view media_type) {
  auto ct = req.headers.get("Content-Type");
  if (!ct) return false;
  std::string_view v = *ct;
  std::size_t semi = v.find(';');
  std::string_view type = v.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return iequals(type, media_type);
}

}  // namespace tessera::http
