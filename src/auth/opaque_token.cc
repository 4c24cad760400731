#include "auth/opaque_token.h"

#include <cstring>

#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kTokenBytes = 32;

}  // namespace

std::string new_opaque_token() { return base::base64url_encode(crypto::random_bytes(kTokenBytes)); }

store::TokenHash token_hash_of(std::string_view s) {
  const auto d = crypto::sha256(s);
  store::TokenHash h{};
  std::memcpy(h.data(), d.data(), h.size());
  return h;
}

std::optional<store::TokenHash> hash_opaque_token(std::string_view raw) {
  if (raw.size() != kOpaqueTokenChars) return std::nullopt;
  char buf[base::base64url_decoded_size(kOpaqueTokenChars)];
  const auto n = base::base64url_decode_into(raw, buf);
  if (!n || *n != kTokenBytes) return std::nullopt;
  return token_hash_of(raw);
}

bool same_token_hash(const store::TokenHash& a, const store::TokenHash& b) {
  return crypto::constant_time_equal(
      std::string_view(reinterpret_cast<const char*>(a.data()), a.size()),
      std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

}  // namespace tessera::auth
