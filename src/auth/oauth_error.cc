#include "auth/oauth_error.h"

namespace tessera::auth {

std::string_view oauth_error_code(OAuthErrc code) {
  switch (code) {
    case OAuthErrc::kInvalidRequest:
      return "invalid_request";
    case OAuthErrc::kInvalidClient:
      return "invalid_client";
    case OAuthErrc::kInvalidGrant:
      return "invalid_grant";
    case OAuthErrc::kUnauthorizedClient:
      return "unauthorized_client";
    case OAuthErrc::kUnsupportedGrantType:
      return "unsupported_grant_type";
    case OAuthErrc::kInvalidScope:
      return "invalid_scope";
    case OAuthErrc::kUnsupportedTokenType:
      return "unsupported_token_type";
    case OAuthErrc::kInvalidToken:
      return "invalid_token";
    case OAuthErrc::kInsufficientScope:
      return "insufficient_scope";
    case OAuthErrc::kAccessDenied:
      return "access_denied";
    case OAuthErrc::kUnsupportedResponseType:
      return "unsupported_response_type";
    case OAuthErrc::kLoginRequired:
      return "login_required";
    case OAuthErrc::kConsentRequired:
      return "consent_required";
    case OAuthErrc::kInteractionRequired:
      return "interaction_required";
    case OAuthErrc::kServerError:
      return "server_error";
    case OAuthErrc::kTemporarilyUnavailable:
      return "temporarily_unavailable";
  }
  return "server_error";
}

OAuthError oauth_error(const Error& error, OAuthErrc otherwise) {
  switch (error.code) {
    case Errc::kUnavailable:
    case Errc::kBusy:
      return {.code = OAuthErrc::kTemporarilyUnavailable, .description = {}};
    case Errc::kInternal:
      return {.code = OAuthErrc::kServerError, .description = {}};
    case Errc::kBadInput:
      return {.code = OAuthErrc::kInvalidRequest, .description = error.detail};
    default:
      break;
  }
  return {.code = otherwise, .description = {}};
}

}  // namespace tessera::auth
