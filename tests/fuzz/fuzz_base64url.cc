// Fuzzes strict base64url (src/base/base64url.h).
//
// Invariants (abort() on violation):
//   1. Canonical: when decoding `text` succeeds, encoding the bytes gives back exactly `text`
//      (every byte string has exactly one accepted spelling).
//   2. Complete: encoding any byte string gives text that decodes back to those bytes.
//   3. Sizes: decode_into never writes past base64url_decoded_size(n) (ASan sees an exact-size
//      heap buffer) and encoded length equals base64url_encoded_size(n).
//   4. Agreement with a slow, obviously-correct reference decoder on accept/reject and bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/base64url.h"

namespace {

using tessera::base::base64url_decode;
using tessera::base::base64url_decode_into;
using tessera::base::base64url_decoded_size;
using tessera::base::base64url_encode;
using tessera::base::base64url_encoded_size;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_base64url: invariant violated: %s\n", what);
  std::abort();
}

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// RFC 4648 section 5 without padding, bit by bit; rejects leftover non-zero bits and a lone
// trailing sextet.
std::optional<std::string> reference_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return std::nullopt;  // non-zero padding bits
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Decode into a buffer of exactly the documented size, so any overrun is an ASan report.
  const std::size_t cap = base64url_decoded_size(size);
  auto buf = std::make_unique<char[]>(cap == 0 ? 1 : cap);
  const std::optional<std::size_t> n = base64url_decode_into(input, buf.get());
  const std::optional<std::string> decoded = base64url_decode(input);
  const std::optional<std::string> reference = reference_decode(input);

  if (n.has_value() != decoded.has_value()) fail("decode_into and decode disagree on validity");
  if (decoded.has_value() != reference.has_value())
    fail("decode and reference decoder disagree on validity");
  if (decoded) {
    if (*n > cap) fail("decode_into reported more bytes than base64url_decoded_size");
    if (std::string_view(buf.get(), *n) != *decoded)
      fail("decode_into and decode disagree on bytes");
    if (*decoded != *reference) fail("decode and reference decoder disagree on bytes");
    if (base64url_encoded_size(decoded->size()) != size)
      fail("encoded size of decoded bytes != input size");
    if (base64url_encode(*decoded) != input)
      fail("decoded then re-encoded text differs (non-canonical accept)");
  }

  // The other direction: the input as bytes must encode to text that decodes back.
  const std::string encoded = base64url_encode(input);
  if (encoded.size() != base64url_encoded_size(size))
    fail("encoded length != base64url_encoded_size");
  std::string appended = "prefix";
  tessera::base::base64url_encode_append(input, appended);
  if (std::string_view(appended).substr(6) != encoded) fail("encode_append differs from encode");
  const std::optional<std::string> back = base64url_decode(encoded);
  if (!back || *back != input) fail("encode then decode does not round-trip");
  return 0;
}
