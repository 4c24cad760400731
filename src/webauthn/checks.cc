#include "webauthn/checks.h"

#include <algorithm>

#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::webauthn::detail {

std::expected<void, Error> check_client_data(const ClientData& c, std::string_view type,
                                             std::string_view expected_challenge,
                                             std::span<const std::string> origins) {
  if (c.type != type) return std::unexpected(Error::kClientDataType);
  // The challenge is not secret from this client, but comparing in constant time costs nothing
  // and keeps the rule simple (lengths are public).
  if (!crypto::constant_time_equal(c.challenge, base::base64url_encode(expected_challenge)))
    return std::unexpected(Error::kChallengeMismatch);
  if (std::find(origins.begin(), origins.end(), c.origin) == origins.end())
    return std::unexpected(Error::kOriginNotAllowed);
  if (c.cross_origin) return std::unexpected(Error::kCrossOrigin);
  if (c.has_top_origin) return std::unexpected(Error::kTopOrigin);
  return {};
}

std::expected<void, Error> check_authenticator_data(
    const AuthenticatorData& ad, std::string_view rp_id, bool require_uv,
    std::span<const std::string> allowed_extensions) {
  const std::array<unsigned char, 32> expected = crypto::sha256(rp_id);
  if (!crypto::constant_time_equal(
          std::string_view(reinterpret_cast<const char*>(ad.rp_id_hash.data()), 32),
          std::string_view(reinterpret_cast<const char*>(expected.data()), 32))) {
    return std::unexpected(Error::kRpIdHashMismatch);
  }
  if (!ad.up()) return std::unexpected(Error::kUserNotPresent);
  if (require_uv && !ad.uv()) return std::unexpected(Error::kUserNotVerified);
  if (ad.bs() && !ad.be()) return std::unexpected(Error::kBackupStateWithoutEligible);
  for (const std::string& id : ad.extensions) {
    if (std::find(allowed_extensions.begin(), allowed_extensions.end(), id) ==
        allowed_extensions.end()) {
      return std::unexpected(Error::kUnexpectedExtension);
    }
  }
  return {};
}

}  // namespace tessera::webauthn::detail
