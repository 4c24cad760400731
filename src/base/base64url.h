// Strict base64url (RFC 4648 section 5) without padding, as JOSE uses it (RFC 7515 section 2).
//
// Decoding accepts exactly the canonical encoding of some byte string: no '=' padding, no
// '+' or '/', no whitespace, no length that leaves a lone 6-bit group, and zero trailing bits.
// So every byte string has exactly one accepted encoding, which keeps a signature from being
// replayed under a second spelling.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::base {

// Length of the encoding of `n` bytes.
constexpr std::size_t base64url_encoded_size(std::size_t n) { return (n * 4 + 2) / 3; }

// Upper bound on the decoded length of `n` encoded characters.
constexpr std::size_t base64url_decoded_size(std::size_t n) { return (n * 3) / 4; }

std::string base64url_encode(std::string_view bytes);

// Appends the encoding of `bytes` to `out`.
void base64url_encode_append(std::string_view bytes, std::string& out);

// Decodes `text` into `out` (which must hold base64url_decoded_size(text.size()) bytes).
// Returns the number of bytes written, or nullopt if `text` is not canonical base64url.
// Never allocates: this runs on the token verification hot path.
std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out);

// Allocating convenience form of base64url_decode_into.
std::optional<std::string> base64url_decode(std::string_view text);

namespace detail {
// base64url_decode_into without the SIMD fast path: the same contract, one portable loop.
// base64url_decode_into uses AVX2 when the CPU has it; tests hold it to this.
std::optional<std::size_t> base64url_decode_into_scalar(std::string_view text, char* out);
}  // namespace detail

}  // namespace tessera::base
