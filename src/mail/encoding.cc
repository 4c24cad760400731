#include "mail/encoding.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64url.h"

namespace tessera::mail {
namespace {

constexpr std::string_view kHex = "0123456789ABCDEF";
constexpr std::string_view kWordPrefix = "=?utf-8?B?";
constexpr std::string_view kWordSuffix = "?=";

void append_hex_escape(unsigned char c, std::string& out) {
  out.push_back('=');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0x0F]);
}

// Length of the UTF-8 sequence that starts with `lead` (well-formed input assumed).
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Quoted-printable of one line (no line break inside), soft-broken at kMaxEncodedLine.
void quoted_printable_line(std::string_view line, std::string& out) {
  // Content before a soft break: 75 characters, so that "=" makes 76.
  constexpr std::size_t kRoom = kMaxEncodedLine - 1;
  std::size_t column = 0;
  std::string token;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    auto encode = [&] {
      token.clear();
      const bool literal = (c > 32 && c < 127 && c != '=' && !(c == '.' && column == 0)) ||
                           ((c == ' ' || c == '\t') && !last);
      if (literal) {
        token.push_back(static_cast<char>(c));
      } else {
        append_hex_escape(c, token);
      }
    };
    encode();
    if (column + token.size() > kRoom) {
      out += "=\r\n";  // soft break; the token again for the new line (a '.' there changes)
      column = 0;
      encode();
    }
    out += token;
    column += token.size();
  }
}

}  // namespace

std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes, std::size_t line_length) {
  // The project's base64url encoder, then the two characters where the alphabets differ
  // (RFC 4648 sections 4 and 5) and the padding that base64 keeps.
  std::string flat = base::base64url_encode(bytes);
  for (char& c : flat) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  flat.append((4 - flat.size() % 4) % 4, '=');
  if (line_length == 0 || flat.size() <= line_length) return flat;
  std::string out;
  out.reserve(flat.size() + flat.size() / line_length * 2);
  for (std::size_t i = 0; i < flat.size(); i += line_length) {
    if (i != 0) out += "\r\n";
    out.append(flat, i, line_length);
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  // Back to one line of unpadded base64url (canonical, as base64_encode writes it), then the
  // project's strict decoder.
  std::string flat;
  flat.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
    } else if (c == '-' || c == '_' || c == '\r' || c == '\n') {
      return std::nullopt;
    } else {
      flat.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
    }
  }
  if (flat.size() % 4 != 0) return std::nullopt;
  const std::size_t data = flat.find_last_not_of('=') + 1;  // 0 when flat is all padding
  if (flat.size() - data > 2) return std::nullopt;
  flat.resize(data);
  return base::base64url_decode(flat);
}

std::optional<std::string> decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out.push_back(text[i]);
      continue;
    }
    const std::string_view next = text.substr(i + 1, 2);
    const std::size_t hi = kHex.find(next.empty() ? '?' : next[0]);
    const std::size_t lo = next.size() < 2 ? std::string_view::npos : kHex.find(next[1]);
    if (next == "\r\n") {
      // a soft break: nothing
    } else if (hi != std::string_view::npos && lo != std::string_view::npos) {
      out.push_back(static_cast<char>(hi * 16 + lo));
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  const std::string crlf = to_crlf(text);
  std::string out;
  out.reserve(crlf.size() + crlf.size() / 8);
  std::string_view rest = crlf;
  for (;;) {
    const std::size_t end = rest.find("\r\n");
    quoted_printable_line(rest.substr(0, end), out);
    if (end == std::string_view::npos) break;
    out += "\r\n";
    rest.remove_prefix(end + 2);
  }
  return out;
}

std::vector<std::string> b_encoded_words(std::string_view utf8, std::size_t first_room) {
  std::vector<std::string> words;
  constexpr std::size_t kOverhead = kWordPrefix.size() + kWordSuffix.size();
  std::size_t room = std::min(first_room, kMaxEncodedWord);
  while (!utf8.empty()) {
    // Whole 3-byte groups fit exactly: (room - overhead) / 4 base64 quads.
    const std::size_t max_bytes = (room - kOverhead) / 4 * 3;
    std::size_t take = 0;
    while (take < utf8.size()) {
      const std::size_t next = sequence_length(static_cast<unsigned char>(utf8[take]));
      if (take + next > max_bytes) break;
      take += next;
    }
    // Progress whatever `first_room` is (a room too small for one character is a caller's bug).
    if (take == 0)
      take = std::min(utf8.size(), sequence_length(static_cast<unsigned char>(utf8[0])));
    std::string word(kWordPrefix);
    word += base64_encode(utf8.substr(0, take));
    word += kWordSuffix;
    words.push_back(std::move(word));
    utf8.remove_prefix(take);
    room = kMaxEncodedWord;
  }
  return words;
}

}  // namespace tessera::mail
