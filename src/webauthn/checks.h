// The checks sections 7.1 and 7.2 share (client data, rpIdHash, flags, extensions). Internal
// to webauthn/: registration.cc and assertion.cc name the steps they stand for.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "webauthn/authenticator_data.h"
#include "webauthn/client_data.h"
#include "webauthn/errors.h"

namespace tessera::webauthn::detail {

// Client data: type == `type`, challenge == base64url(expected_challenge) (constant time),
// origin in `origins` (exact match), crossOrigin not true and no topOrigin (Tessera's pages
// are never framed: it sends frame-ancestors 'none', so a framed ceremony is not ours).
std::expected<void, Error> check_client_data(const ClientData& c, std::string_view type,
                                             std::string_view expected_challenge,
                                             std::span<const std::string> origins);

// rpIdHash == SHA-256(rp_id), UP set, UV set when required, BS only with BE, and every
// extension output among `allowed_extensions`.
std::expected<void, Error> check_authenticator_data(
    const AuthenticatorData& ad, std::string_view rp_id, bool require_uv,
    std::span<const std::string> allowed_extensions);

}  // namespace tessera::webauthn::detail
