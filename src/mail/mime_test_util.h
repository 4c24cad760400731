// Test-only: minimal MIME decoding, written independently of the encoders in encoding.cc (from
// RFC 2045 and RFC 2047 directly) so the tests can check a round trip: base64, quoted-printable,
// B encoded-words, header unfolding and a multipart split. Lenient where the encoders are
// strict; returns "<bad ...>" markers instead of failing silently.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::mail::testing_util {

// The CRLF-separated lines of `text` (a final CRLF does not add an empty line).
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = text.find("\r\n");
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 2);
  }
  return lines;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // RFC 2045: uppercase only in what a conforming encoder writes
}

// Base64 ignoring CR, LF and padding.
inline std::string base64_decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '=') continue;
    const std::size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return "<bad base64>";
    acc = (acc << 6) | static_cast<unsigned int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// Quoted-printable: "=XX" is a byte, "=" CRLF a soft break, CRLF a line break.
inline std::string qp_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out.push_back(text[i]);
    } else if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      return "<bad quoted-printable>";
    }
  }
  return out;
}

// One "=?charset?B?...?=" word's bytes.
inline std::string b_word_decode(std::string_view word) {
  const std::size_t b = word.find("?B?");
  if (!word.starts_with("=?") || !word.ends_with("?=") || b == std::string_view::npos) {
    return "<bad encoded-word>";
  }
  return base64_decode(word.substr(b + 3, word.size() - b - 5));
}

// Whether `s` is made of complete UTF-8 sequences (structure only: lead + continuations).
inline bool whole_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t n = lead < 0x80    ? 1
                          : lead >= 0xF0 ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC0 ? 2
                                         : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// An unstructured header value: unfolded, and adjacent encoded-words (separated only by
// whitespace) decoded and joined (RFC 2047 section 6.2). Plain text passes through.
inline std::string decode_unstructured(std::string_view value) {
  std::string out;
  bool previous_was_word = false;
  std::string pending_space;
  while (!value.empty()) {
    const std::size_t space = value.find(' ');
    const std::string_view token = value.substr(0, space);
    const bool word = token.starts_with("=?") && token.ends_with("?=");
    if (!(word && previous_was_word)) out += pending_space;
    out += word ? b_word_decode(token) : std::string(token);
    previous_was_word = word;
    pending_space.clear();
    if (space == std::string_view::npos) break;
    pending_space = " ";
    value.remove_prefix(space + 1);
  }
  return out;
}

struct ParsedMessage {
  std::vector<std::pair<std::string, std::string>> headers;  // name, unfolded value, in order
  std::vector<std::string> raw_header_lines;                 // as written, folds included
  std::string body;

  std::string header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "<absent>";
  }
};

// Splits a message at the first empty line and unfolds the headers (RFC 5322 section 2.2.3:
// delete each CRLF that precedes whitespace). The value excludes the one space after the colon.
inline ParsedMessage parse_message(std::string_view message) {
  ParsedMessage m;
  const std::size_t end = message.find("\r\n\r\n");
  if (end == std::string_view::npos) return m;
  m.body = std::string(message.substr(end + 4));
  m.raw_header_lines = lines_of(message.substr(0, end));
  for (const std::string& line : m.raw_header_lines) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
      m.headers.back().second += line;
      continue;
    }
    const std::size_t colon = line.find(':');
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (value.starts_with(' ')) value.erase(0, 1);
    m.headers.emplace_back(line.substr(0, colon), std::move(value));
  }
  return m;
}

// A multipart body's parts (each with headers and body) for `boundary`; the CRLF before each
// delimiter belongs to the delimiter (RFC 2046 section 5.1.1).
inline std::vector<ParsedMessage> split_parts(std::string_view body, std::string_view boundary) {
  std::vector<ParsedMessage> parts;
  const std::string first = "--" + std::string(boundary) + "\r\n";
  const std::string next = "\r\n--" + std::string(boundary);
  if (!body.starts_with(first)) return parts;
  body.remove_prefix(first.size());
  for (;;) {
    const std::size_t end = body.find(next);
    if (end == std::string_view::npos) return parts;
    parts.push_back(parse_message(body.substr(0, end)));
    body.remove_prefix(end + next.size());
    if (body.starts_with("--")) return parts;
    if (!body.starts_with("\r\n")) return {};
    body.remove_prefix(2);
  }
}

// The decoded body of a part, by its Content-Transfer-Encoding.
inline std::string decode_part(const ParsedMessage& part) {
  const std::string cte = part.header("Content-Transfer-Encoding");
  if (cte == "quoted-printable") return qp_decode(part.body);
  if (cte == "base64") return base64_decode(part.body);
  return "<unknown encoding " + cte + ">";
}

// The boundary parameter of a Content-Type value ("" if none).
inline std::string boundary_of(const std::string& content_type) {
  const std::size_t at = content_type.find("boundary=\"");
  if (at == std::string::npos) return "";
  const std::size_t start = at + 10;
  return content_type.substr(start, content_type.find('"', start) - start);
}

// The decoded bodies of a multipart message's parts, one after the other.
inline std::string decoded_parts(std::string_view message) {
  const ParsedMessage m = parse_message(message);
  std::string out;
  for (const ParsedMessage& part : split_parts(m.body, boundary_of(m.header("Content-Type")))) {
    out += decode_part(part);
  }
  return out;
}

}  // namespace tessera::mail::testing_util
