#include "auth/family_csrf.h"

#include <utility>

#include "base/base64url.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

// MAC label of the token (the sid follows it).
constexpr std::string_view kCsrfLabel = "tessera csrf v1 ";
constexpr std::size_t kCsrfSecretBytes = 32;

}  // namespace

FamilyCsrf::FamilyCsrf(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) secret_ = crypto::random_bytes(kCsrfSecretBytes);
}

std::string FamilyCsrf::token(std::string_view sid) const {
  std::string label(kCsrfLabel);
  label += sid;
  const crypto::AeadKey mac = crypto::derive_key(secret_, label);
  return base::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

bool FamilyCsrf::matches(std::string_view sid, std::string_view presented) const {
  if (presented.empty() || sid.empty()) return false;
  return crypto::constant_time_equal(token(sid), presented);
}

}  // namespace tessera::auth
