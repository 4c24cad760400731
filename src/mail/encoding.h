// The MIME encodings a message needs: base64 (RFC 2045 section 6.8, on the project's base64url
// encoder), and, written out by hand because they are small, fully specified and nothing in
// Debian offers them without a much larger MIME stack, quoted-printable (RFC 2045 section 6.7)
// and B-encoded words (RFC 2047). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::mail {

// RFC 2045 bodies: at most 76 characters per line before the CRLF.
inline constexpr std::size_t kMaxEncodedLine = 76;
// RFC 2047 section 2: an encoded-word is at most 75 characters.
inline constexpr std::size_t kMaxEncodedWord = 75;

// `text` with every line break (CRLF, lone LF, lone CR) written as CRLF: the canonical form of a
// text body (RFC 2045 section 6.8, RFC 5322 section 2.3).
std::string to_crlf(std::string_view text);

// Base64 with '=' padding. `line_length` 0: one line; otherwise a multiple of 4, and the output
// has CRLF between lines of that length (none after the last line).
std::string base64_encode(std::string_view bytes, std::size_t line_length = 0);

// Quoted-printable of `text`, whose line breaks are any of CRLF, LF, CR (each written as a hard
// CRLF break; no CRLF after the last line). Every output line is at most kMaxEncodedLine
// characters, a trailing '=' (soft break) included. Printable ASCII but '=' is written as it
// is; '=', controls, bytes >= 0x80, a space or tab that ends a line, and a '.' that starts an
// output line (so no relay's dot handling can touch it) are written =XX.
std::string quoted_printable(std::string_view text);

// The inverses, for reading back what these encoders wrote (`tessera outbox show`). Strict:
// nullopt for anything they would not have written.
//   decode_base64: padded base64 in lines separated by CRLF; the bytes.
//   decode_quoted_printable: soft breaks ("=" CRLF) removed, "=XX" (upper-case hex) decoded,
//   everything else (hard CRLF breaks included) copied; any other '=' is refused.
std::optional<std::string> decode_base64(std::string_view text);
std::optional<std::string> decode_quoted_printable(std::string_view text);

// RFC 2047 "B" encoded-words =?utf-8?B?...?= that together carry `utf8` (REQUIRES: well-formed
// UTF-8, not empty). Every word holds whole characters (RFC 2047 section 5) and is at most
// kMaxEncodedWord characters; the first is at most `first_room` (REQUIRES: >= 20, the room one
// 4-byte character needs), so it fits after a header's name. Words are meant to be joined by
// folding whitespace, which decoders drop between encoded-words (RFC 2047 section 6.2).
std::vector<std::string> b_encoded_words(std::string_view utf8, std::size_t first_room);

}  // namespace tessera::mail
