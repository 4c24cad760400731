// Base32 (RFC 4648 section 6), the alphabet A-Z 2-7, as otpauth:// secrets use it.
//
// The codec itself is liboath's (OATH Toolkit, Debian liboath-dev: a maintained library whose
// base32 is gnulib's). liboath's decoder is lenient on purpose (it drops spaces and supplies
// missing padding), so this file adds the strictness on top: a text is accepted only when it
// is, up to letter case, exactly the canonical encoding of the bytes it decodes to, either
// unpadded or with its full RFC padding. That one round-trip rule refuses spaces, line breaks,
// stray or partial '=', impossible lengths (1, 3 or 6 characters left over) and non-zero
// trailing bits, so every byte string has one accepted spelling per case and padding choice.
//
// Thread-safe: no state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::base {

// Longest text base32_decode() looks at (and the most bytes base32_encode() takes is 5/8 of
// it): bounds the work and memory one untrusted input can cause. An otpauth secret is 32
// characters.
inline constexpr std::size_t kBase32MaxChars = 8192;

// RFC 4648 section 6 encoding in upper case, without '=' padding (the otpauth Key URI format
// leaves it out). nullopt only when `bytes` is longer than kBase32MaxChars * 5 / 8, or when
// liboath cannot allocate.
std::optional<std::string> base32_encode(std::string_view bytes);

// Strict RFC 4648 section 6 decoding: letters in upper or lower case (case is folded before the
// round trip above), padding optional but, when present, complete (section 3.2); nothing else.
// nullopt for anything that is not such an encoding, for text longer than kBase32MaxChars, and for
// allocation failure.
std::optional<std::string> base32_decode(std::string_view text);

}  // namespace tessera::base
