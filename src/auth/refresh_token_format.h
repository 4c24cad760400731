// The refresh tokens of families in constant space (store/refresh_store.h says why a MAC over
// the family id and the generation is all a family needs to keep):
//
//   token = base64url( family id (16 bytes) || generation (8, big-endian) || tag (32) )
//           75 characters, no padding
//   tag   = HMAC-SHA-256(refresh key, "tessera refresh v2" || family id || generation)
//
// A token names its family and generation openly (the family id is the `sid` claim anyway);
// the tag makes both unforgeable without the refresh key: 256 bits (SPEC.md asks that much of
// every bearer credential), checked in constant time before any store is asked about it. The same
// (family, generation) always gives the same token, which is what lets the grace rule hand a second
// tab the very token the first one got, with nothing stored. Tokens of families from before
// generations are the 43-character random tokens of auth/opaque_token.h; the lengths tell the two
// apart.
//
// Immutable after construction; safe to use from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "store/refresh_store.h"

namespace tessera::auth {

inline constexpr std::size_t kRefreshTokenChars = 75;
// The refresh key's least size (a 256-bit secret).
inline constexpr std::size_t kRefreshKeyBytes = 32;

struct RefreshTokenClaims {
  store::FamilyId family{};
  std::int64_t generation = 0;
};

class RefreshTokenFormat {
 public:
  // REQUIRES: key.size() >= kRefreshKeyBytes.
  explicit RefreshTokenFormat(std::string_view key);

  // The token of `family` at `generation`. REQUIRES: generation >= 1.
  std::string make(const store::FamilyId& family, std::int64_t generation) const;

  // What a token says, or nullopt unless `raw` is exactly kRefreshTokenChars canonical
  // base64url characters whose tag is this key's for the family and a generation >= 1 it
  // names (a made-up token, another deployment's, or an altered one).
  std::optional<RefreshTokenClaims> parse(std::string_view raw) const;

 private:
  crypto::HmacKey key_;
};

}  // namespace tessera::auth
