#include "auth/refresh_token_format.h"

#include <array>
#include <cstring>

#include "base/base64url.h"

namespace tessera::auth {
namespace {

constexpr std::string_view kLabel = "tessera refresh v2";
constexpr std::size_t kIdBytes = std::tuple_size_v<store::FamilyId>;
constexpr std::size_t kGenerationBytes = 8;
constexpr std::size_t kTagBytes = 32;
constexpr std::size_t kTokenBytes = kIdBytes + kGenerationBytes + kTagBytes;
static_assert(base::base64url_encoded_size(kTokenBytes) == kRefreshTokenChars);

// The MAC's input: label || family id || generation (big-endian), in `out`.
using MacInput = std::array<char, kLabel.size() + kIdBytes + kGenerationBytes>;

void mac_input(const store::FamilyId& family, std::int64_t generation, MacInput& out) {
  std::memcpy(out.data(), kLabel.data(), kLabel.size());
  std::memcpy(out.data() + kLabel.size(), family.data(), kIdBytes);
  const auto g = static_cast<std::uint64_t>(generation);
  for (std::size_t i = 0; i < kGenerationBytes; ++i) {
    out[kLabel.size() + kIdBytes + i] = static_cast<char>((g >> (8 * (kGenerationBytes - 1 - i))));
  }
}

}  // namespace

RefreshTokenFormat::RefreshTokenFormat(std::string_view key) : key_(crypto::Hash::kSha256, key) {}

std::string RefreshTokenFormat::make(const store::FamilyId& family, std::int64_t generation) const {
  MacInput in;
  mac_input(family, generation, in);
  const crypto::Digest tag = key_.mac(std::string_view(in.data(), in.size()));
  std::array<char, kTokenBytes> raw{};
  std::memcpy(raw.data(), in.data() + kLabel.size(), kIdBytes + kGenerationBytes);
  std::memcpy(raw.data() + kIdBytes + kGenerationBytes, tag.bytes.data(), kTagBytes);
  return base::base64url_encode(std::string_view(raw.data(), raw.size()));
}

std::optional<RefreshTokenClaims> RefreshTokenFormat::parse(std::string_view raw) const {
  if (raw.size() != kRefreshTokenChars) return std::nullopt;
  char bytes[base::base64url_decoded_size(kRefreshTokenChars)];
  const auto n = base::base64url_decode_into(raw, bytes);  // canonical only
  if (!n || *n != kTokenBytes) return std::nullopt;
  RefreshTokenClaims claims;
  std::memcpy(claims.family.data(), bytes, kIdBytes);
  std::uint64_t g = 0;
  for (std::size_t i = 0; i < kGenerationBytes; ++i) {
    g = (g << 8) | static_cast<unsigned char>(bytes[kIdBytes + i]);
  }
  if (g == 0 || g > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  claims.generation = static_cast<std::int64_t>(g);
  MacInput in;
  mac_input(claims.family, claims.generation, in);
  const crypto::Digest tag = key_.mac(std::string_view(in.data(), in.size()));
  if (!crypto::constant_time_equal(
          tag.view(), std::string_view(bytes + kIdBytes + kGenerationBytes, kTagBytes))) {
    return std::nullopt;
  }
  return claims;
}

}  // namespace tessera::auth
