#include "base/base64url.h"

#include <array>

namespace tessera::base {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> MakeDecodeTable() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr auto kDecode = MakeDecodeTable();

}  // namespace

void base64url_encode_append(std::string_view bytes, std::string& out) {
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  const std::size_t start = out.size();
  out.resize(start + base64url_encoded_size(n));
  char* o = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
  }
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  base64url_encode_append(bytes, out);
  return out;
}

std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out) {
  const std::size_t n = text.size();
  if (n % 4 == 1) return std::nullopt;  // a lone 6-bit group encodes no whole byte
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto* o = reinterpret_cast<unsigned char*>(out);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]],
                        d = kDecode[in[i + 3]];
    if ((a | b | c | d) == kInvalid || ((a | b | c | d) & 0xc0) != 0) return std::nullopt;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *o++ = static_cast<unsigned char>(v >> 16);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  const std::size_t rest = n - i;
  if (rest == 2) {
    const std::uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]];
    if (((a | b) & 0xc0) != 0) return std::nullopt;
    if ((b & 0x0f) != 0) return std::nullopt;  // non-zero trailing bits: not canonical
    *o++ = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const std::uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]];
    if (((a | b | c) & 0xc0) != 0) return std::nullopt;
    if ((c & 0x03) != 0) return std::nullopt;  // non-zero trailing bits: not canonical
    const std::uint32_t v = (a << 10) | (b << 4) | (c >> 2);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  return static_cast<std::size_t>(o - reinterpret_cast<unsigned char*>(out));
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(base64url_decoded_size(text.size()), '\0');
  auto n = base64url_decode_into(text, out.data());
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

}  // namespace tessera::base
