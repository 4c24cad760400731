// Email addresses as identities (SPEC.md "Identity": unique, compared case-insensitively after
// NFC/ASCII lower-casing). Every email goes through normalize_email before it reaches a store,
// so the store's plain byte comparison is the SPEC's comparison.
//
// Normalization: valid UTF-8 -> no control, format, whitespace, private-use or unassigned code
// points -> Unicode NFC (ICU) -> ASCII letters lower-cased -> shape check. Non-ASCII letters
// keep their case: full Unicode case folding of local parts is not what mail servers do, and
// the SPEC asks only for ASCII lower-casing.
//
// Why refuse format and whitespace characters: U+200B (zero-width space), U+202E (bidi
// override) and friends would let two addresses that render identically be two accounts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace tessera::auth {

enum class EmailError : std::uint8_t {
  kEmpty,
  kTooLong,        // more than 254 bytes (RFC 5321 path limit) after normalization, or a local
                   // part over 64 bytes, or raw input over kMaxRawEmailBytes
  kInvalidUtf8,    // ill-formed UTF-8 (overlong, surrogate, truncated, > U+10FFFF)
  kForbiddenChar,  // control, format, whitespace, private-use or unassigned code point
  kBadShape,       // not exactly one '@', empty local part or domain, empty domain label
};

std::string_view describe(EmailError e);

inline constexpr std::size_t kMaxEmailBytes = 254;
inline constexpr std::size_t kMaxLocalPartBytes = 64;
// Input longer than this is refused before any Unicode work.
inline constexpr std::size_t kMaxRawEmailBytes = 1024;

// The normalized form of `email`, or why it is not acceptable. Pure; thread-safe.
std::expected<std::string, EmailError> normalize_email(std::string_view email);

}  // namespace tessera::auth
