// The OAuth 2.0 error codes (RFC 6749 sections 4.1.2.1 and 5.2, RFC 6750 section 3.1, RFC 7009
// section 2.2.1, OpenID Connect Core 1.0 section 3.1.2.6): the words in which the OAuth services
// of this layer say why they refused. Only the api layer turns them into responses
// (api/oauth_errors.h: the body, the status, the challenge, the redirect).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/errors.h"

namespace tessera::auth {

enum class OAuthErrc : std::uint8_t {
  kInvalidRequest,
  kInvalidClient,
  kInvalidGrant,
  kUnauthorizedClient,
  kUnsupportedGrantType,
  kInvalidScope,
  kUnsupportedTokenType,
  kInvalidToken,
  kInsufficientScope,
  kAccessDenied,
  kUnsupportedResponseType,
  kLoginRequired,
  kConsentRequired,
  kInteractionRequired,
  kServerError,
  kTemporarilyUnavailable,
};

struct OAuthError {
  OAuthErrc code = OAuthErrc::kInvalidRequest;
  // Optional. Safe to show a client: fixed text or auth::Error::detail, never a cause from a
  // store or a key.
  std::string description;
};

// The registered error code ("invalid_grant").
std::string_view oauth_error_code(OAuthErrc code);

// An auth-domain error as an OAuth error: store and capacity failures keep their meaning
// (temporarily_unavailable, server_error) and bad input is invalid_request; every other code
// becomes `otherwise`, without the domain's detail (the OAuth code says enough and the
// detail's wording was written for problem+json).
OAuthError oauth_error(const Error& error, OAuthErrc otherwise);

}  // namespace tessera::auth
