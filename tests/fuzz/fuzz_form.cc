// Fuzzes application/x-www-form-urlencoded bodies (src/http/form.h parse_form, form_field).
//
// Invariants (abort() on violation):
//   1. Agreement with a slow reference decoder on accept/reject and on every field: split at
//      '&', empty pairs skipped, '=' required, raw bytes printable ASCII, '+' a space, %XX with
//      two hex digits, no decoded NUL, decoded text UTF-8 (the Unicode Standard's Table 3-7).
//   2. Every accepted name and value is UTF-8 with no NUL.
//   3. Round trip: the accepted fields re-encoded (everything but ALPHA DIGIT -._~ as %XX, or
//      a space as '+') parse again to the same fields, in the same order.
//   4. form_field gives a name's value exactly when the name occurs once.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_reference.h"
#include "http/form.h"

namespace {

using tessera::http::FormFields;

void check(bool ok, const char* what) {
  if (!ok) tessera::fuzz::fail("fuzz_form", what);
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> reference_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x21 || u > 0x7E) return std::nullopt;
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      if (s.size() - i < 3 || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) return std::nullopt;
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    }
  }
  if (out.find('\0') != std::string::npos || !tessera::fuzz::reference_utf8(out)) {
    return std::nullopt;
  }
  return out;
}

std::optional<FormFields> reference_parse(std::string_view body) {
  FormFields out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= body.size(); ++i) {
    if (i < body.size() && body[i] != '&') continue;
    std::string_view pair = body.substr(start, i - start);
    start = i + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto name = reference_decode(pair.substr(0, eq));
    auto value = reference_decode(pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string encode(std::string_view s, bool plus_for_space) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += {'%', kHex[u >> 4], kHex[u & 0xF]};
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto fields = tessera::http::parse_form(body);
  const auto reference = reference_parse(body);
  check(fields.has_value() == reference.has_value(), "accept/reject differs from the reference");
  if (!fields) {
    check(!fields.error().empty(), "a refusal without a message");
    return 0;
  }
  check(*fields == *reference, "fields differ from the reference");
  for (const auto& [name, value] : *fields) {
    for (const std::string* s : {&name, &value}) {
      check(s->find('\0') == std::string::npos, "an accepted field holds NUL");
      check(tessera::fuzz::reference_utf8(*s), "an accepted field is not UTF-8");
    }
  }
  for (bool plus : {true, false}) {
    std::string again;
    for (const auto& [name, value] : *fields) {
      if (!again.empty()) again += '&';
      again += encode(name, plus) + "=" + encode(value, plus);
    }
    const auto reparsed = tessera::http::parse_form(again);
    check(reparsed.has_value() && *reparsed == *fields, "re-encoded fields do not round-trip");
  }
  for (const auto& [name, value] : *fields) {
    std::size_t n = 0;
    for (const auto& f : *fields) n += f.first == name ? 1 : 0;
    const auto got = tessera::http::form_field(*fields, name);
    check(n == 1 ? got == std::optional<std::string_view>(value) : !got.has_value(),
          "form_field disagrees with the count of its name");
  }
  return 0;
}
