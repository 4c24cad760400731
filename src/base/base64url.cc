#include "base/base64url.h"

#include <array>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TESSERA_BASE64URL_AVX2 1
#endif

namespace tessera::base {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// Decoding tables: kDecode[k][c] is the 6-bit value of character c already shifted to its
// place in a 4-character group (k = 0..3 -> bits 23..18, 17..12, 11..6, 5..0), or kBad for a
// character outside the alphabet. kBad lies above the 24 data bits, so one OR per group both
// assembles the bytes and accumulates the error, which is checked once at the end.
constexpr std::uint32_t kBad = 0x01000000;

constexpr std::array<std::array<std::uint32_t, 256>, 4> MakeDecodeTables() {
  std::array<std::array<std::uint32_t, 256>, 4> tables{};
  for (unsigned k = 0; k < 4; ++k) {
    for (auto& v : tables[k]) v = kBad;
    for (std::uint32_t i = 0; i < 64; ++i) {
      tables[k][static_cast<unsigned char>(kAlphabet[i])] = i << (18 - 6 * k);
    }
  }
  return tables;
}
constexpr auto kDecode = MakeDecodeTables();

// AVX2 (runtime dispatch; the scalar loop is the reference and handles every tail): 32
// characters -> 24 bytes per step, after W. Mula and D. Lemire, "Faster Base64 Encoding and
// Decoding Using AVX2 Instructions" (2018), adapted to the URL alphabet. Strictness is the
// scalar loop's: every character is validated (error bits accumulated, checked once), and the
// final partial group, the only place where trailing bits exist, is left to the scalar code.
constexpr std::size_t kAvx2Block = 32;

#ifdef TESSERA_BASE64URL_AVX2

// Character classes by high nibble. A byte is valid iff kValidLo[lo] & kValidHi[hi] == 0.
//   hi 2: only '-' (lo D)   hi 3: '0'-'9' (lo 0-9)   hi 4 and 6: lo 1-F ('A'-'O', 'a'-'o')
//   hi 5: lo 0-A ('P'-'Z') and F ('_')   hi 7: lo 0-A ('p'-'z')   any other hi: nothing
enum : std::uint8_t {
  kNone = 0x01,  // hi 0, 1, 8-F
  kHi2 = 0x02,
  kHi3 = 0x04,
  kHi46 = 0x08,
  kHi5 = 0x10,
  kHi7 = 0x20,
};

struct alignas(32) Lut {
  std::uint8_t b[32];
};

// f(nibble) for nibbles 0-15, repeated in both 128-bit lanes (vpshufb looks up per lane).
template <typename F>
constexpr Lut MakeLut(F f) {
  Lut t{};
  for (unsigned i = 0; i < 16; ++i) t.b[i] = t.b[i + 16] = static_cast<std::uint8_t>(f(i));
  return t;
}

constexpr Lut kValidHi = MakeLut([](unsigned hi) -> unsigned {
  switch (hi) {
    case 2:
      return kHi2;
    case 3:
      return kHi3;
    case 4:
    case 6:
      return kHi46;
    case 5:
      return kHi5;
    case 7:
      return kHi7;
    default:
      return kNone;
  }
});
// For each low nibble, the classes in which it is NOT a valid character.
constexpr Lut kValidLo = MakeLut([](unsigned lo) -> unsigned {
  unsigned invalid_in = kNone;
  if (lo != 0xd) invalid_in |= kHi2;
  if (lo >= 0xa) invalid_in |= kHi3;
  if (lo == 0) invalid_in |= kHi46;
  if (lo >= 0xb && lo <= 0xe) invalid_in |= kHi5;
  if (lo >= 0xb) invalid_in |= kHi7;
  return invalid_in;
});
// Value - character, by high nibble; index 13 (5 | 8) is used for '_' (0x5F) alone.
constexpr Lut kOffset = MakeLut([](unsigned idx) -> unsigned {
  switch (idx) {
    case 2:
      return static_cast<std::uint8_t>(62 - '-');
    case 3:
      return static_cast<std::uint8_t>(52 - '0');
    case 4:
    case 5:
      return static_cast<std::uint8_t>(0 - 'A');
    case 6:
    case 7:
      return static_cast<std::uint8_t>(26 - 'a');
    case 13:
      return static_cast<std::uint8_t>(63 - '_');
    default:
      return 0;
  }
});

// Decodes the first n / 32 * 32 characters of `in` into `out` (24 bytes per 32 characters,
// never more), ORs kBad into `bad` if any of them is outside the alphabet, and returns how many
// characters it consumed. REQUIRES: AVX2.
[[gnu::target("avx2")]] std::size_t decode_blocks_avx2(const unsigned char* in, std::size_t n,
                                                       unsigned char* out, std::uint32_t& bad) {
  // (No helper lambda: it would not inherit the target attribute.)
  const __m256i valid_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(kValidLo.b));
  const __m256i valid_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(kValidHi.b));
  const __m256i offset = _mm256_load_si256(reinterpret_cast<const __m256i*>(kOffset.b));
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i underscore = _mm256_set1_epi8('_');
  const __m256i eight = _mm256_set1_epi8(8);
  // Pack 4 x 6 bits -> 3 bytes: (a << 6 | b) per 16 bits, then (ab << 12 | cd) per 32 bits,
  // then the 3 bytes of each 32-bit lane in big-endian order, then the lanes together.
  const __m256i merge1 = _mm256_set1_epi32(0x01400140);
  const __m256i merge2 = _mm256_set1_epi32(0x00011000);
  const __m256i bytes = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2,
                                         1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  __m256i err = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + kAvx2Block <= n; i += kAvx2Block) {
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(s, 4), nibble);
    const __m256i lo = _mm256_and_si256(s, nibble);
    err = _mm256_or_si256(err, _mm256_and_si256(_mm256_shuffle_epi8(valid_lo, lo),
                                                _mm256_shuffle_epi8(valid_hi, hi)));
    const __m256i idx =
        _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(s, underscore), eight));
    __m256i v = _mm256_add_epi8(s, _mm256_shuffle_epi8(offset, idx));
    v = _mm256_madd_epi16(_mm256_maddubs_epi16(v, merge1), merge2);
    v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, bytes), lanes);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(v));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 16), _mm256_extracti128_si256(v, 1));
    out += 24;
  }
  if (!_mm256_testz_si256(err, err)) bad |= kBad;
  return i;
}

bool has_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();  // in case this runs from a static initializer before libgcc's
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}
#else
bool has_avx2() { return false; }
std::size_t decode_blocks_avx2(const unsigned char*, std::size_t, unsigned char*, std::uint32_t&) {
  return 0;
}
#endif  // TESSERA_BASE64URL_AVX2

std::optional<std::size_t> decode(std::string_view text, char* out, bool simd) {
  const std::size_t n = text.size();
  if (n % 4 == 1) return std::nullopt;  // a lone 6-bit group encodes no whole byte
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto* o = reinterpret_cast<unsigned char*>(out);
  std::uint32_t bad = 0;  // kBad if any character is outside the alphabet; checked once
  std::size_t i = 0;
  if (simd && n >= kAvx2Block && has_avx2()) {
    i = decode_blocks_avx2(in, n, o, bad);
    o += i / 4 * 3;
  }
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t v =
        kDecode[0][in[i]] | kDecode[1][in[i + 1]] | kDecode[2][in[i + 2]] | kDecode[3][in[i + 3]];
    bad |= v;
    o[0] = static_cast<unsigned char>(v >> 16);
    o[1] = static_cast<unsigned char>(v >> 8);
    o[2] = static_cast<unsigned char>(v);
    o += 3;
  }
  const std::size_t rest = n - i;
  if (rest == 2) {
    const std::uint32_t v = kDecode[0][in[i]] | kDecode[1][in[i + 1]];
    // The second character's low 4 bits are trailing bits: non-zero is not canonical.
    bad |= v | ((v & 0x00f000) != 0 ? kBad : 0);
    *o++ = static_cast<unsigned char>(v >> 16);
  } else if (rest == 3) {
    const std::uint32_t v = kDecode[0][in[i]] | kDecode[1][in[i + 1]] | kDecode[2][in[i + 2]];
    // The third character's low 2 bits are trailing bits: non-zero is not canonical.
    bad |= v | ((v & 0x0000c0) != 0 ? kBad : 0);
    o[0] = static_cast<unsigned char>(v >> 16);
    o[1] = static_cast<unsigned char>(v >> 8);
    o += 2;
  }
  if ((bad & kBad) != 0) return std::nullopt;
  return static_cast<std::size_t>(o - reinterpret_cast<unsigned char*>(out));
}

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
  return decode(text, out, true);
}

std::optional<std::size_t> detail::base64url_decode_into_scalar(std::string_view text, char* out) {
  return decode(text, out, false);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(base64url_decoded_size(text.size()), '\0');
  auto n = base64url_decode_into(text, out.data());
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

}  // namespace tessera::base
