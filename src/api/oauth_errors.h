// The ONE place that maps errors to OAuth 2.0 responses, as api/error_mapping.h is for
// problem+json. An endpoint chooses its format once; its handlers never write an error body by
// hand. Three shapes, each from its RFC:
//
//   token-style   RFC 6749 section 5.2 (token endpoint; RFC 7009 revocation and RFC 7662
//                 introspection reuse it): JSON {"error", "error_description"?},
//                 Cache-Control: no-store. Status per code (table below); invalid_client is a
//                 401 with `WWW-Authenticate: Basic realm="tessera"` when the client tried the
//                 Authorization header (section 5.2 requires the challenge then), else 400 or
//                 401 as the code says.
//   bearer        RFC 6750 section 3 (resources taking a Bearer token: userinfo): the error is
//                 in the WWW-Authenticate challenge (error, error_description, scope), the body
//                 is empty; 400 invalid_request, 401 invalid_token (and no error attribute at all
//                 when no token was presented: section 3.1), 403 insufficient_scope.
//   page          the authorization endpoint's faults that must not be redirected (below): an
//                 HTML page (web/oauth_error.html) with the code and description, status per
//                 code, not cacheable.
//   redirect      RFC 6749 section 4.1.2.1 with RFC 9207: the error goes back to the client's
//                 registered redirect URI as query parameters error, error_description, state
//                 and iss, in a 303 See Other. Only for a redirect URI that was verified to be
//                 the client's: an unknown client or a redirect URI that does not match is an
//                 error page (problem+json), never a redirect (section 4.1.2.1 first paragraph).
//
//   OAuthErrc                 error code                 token-style status
//   kInvalidRequest           invalid_request            400
//   kInvalidClient            invalid_client             401
//   kInvalidGrant             invalid_grant              400
//   kUnauthorizedClient       unauthorized_client        400
//   kUnsupportedGrantType     unsupported_grant_type     400
//   kInvalidScope             invalid_scope              400
//   kUnsupportedTokenType     unsupported_token_type     400 (RFC 7009 section 2.2.1)
//   kInvalidToken             invalid_token              401 (RFC 6750 section 3.1)
//   kInsufficientScope        insufficient_scope         403 (RFC 6750 section 3.1)
//   kAccessDenied             access_denied              403 (authorization endpoint)
//   kUnsupportedResponseType  unsupported_response_type  400 (authorization endpoint)
//   kLoginRequired            login_required             400 (OIDC Core section 3.1.2.6)
//   kConsentRequired          consent_required           400 (OIDC Core section 3.1.2.6)
//   kInteractionRequired      interaction_required       400 (OIDC Core section 3.1.2.6)
//   kServerError              server_error               500
//   kTemporarilyUnavailable   temporarily_unavailable    503 (fail closed; Retry-After: 1)
//
// The description is by contract safe to show (auth/errors.h rules): handlers pass fixed text
// or auth::Error::detail, never a cause from a store or a key. Errors of the auth domain are
// mapped by oauth_error(): kUnavailable and kBusy become temporarily_unavailable, kInternal
// server_error, anything else the code the caller names for that endpoint.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/errors.h"
#include "auth/oauth_error.h"
#include "http/message.h"

namespace tessera::api {

// The codes and OAuthError live in auth/oauth_error.h (the protocol's words, which the auth
// services answer in); this file renders them.
using auth::oauth_error;
using auth::oauth_error_code;
using auth::OAuthErrc;
using auth::OAuthError;

// The token-style status of `code` (the table above).
int oauth_status(OAuthErrc code);

// How the client authenticated to the endpoint, for invalid_client's challenge.
enum class ClientAuthVia : std::uint8_t { kNone, kBody, kAuthorizationHeader };

// The token-style response (RFC 6749 section 5.2).
http::Response oauth_token_error(const OAuthError& error, ClientAuthVia via = ClientAuthVia::kNone);

// The bearer-style response (RFC 6750 section 3). `token_presented` false: a 401 with the bare
// challenge (section 3.1: no error attribute when the request had no token). `scope`: for
// insufficient_scope, the scope the resource needs ("" for none).
http::Response oauth_bearer_error(const OAuthError& error, bool token_presented,
                                  std::string_view scope = {});

// The page-style response.
http::Response oauth_error_page(const OAuthError& error);

// The redirect-style response (RFC 6749 section 4.1.2.1, RFC 9207): 303 to `redirect_uri` (the
// client's registered URI, exactly as registered) with error, error_description (when set),
// state (when the request had one) and iss appended to its query. REQUIRES: redirect_uri is
// an absolute URI without a fragment (registration refuses anything else).
http::Response oauth_redirect_error(std::string_view redirect_uri, const OAuthError& error,
                                    std::string_view state, std::string_view issuer);

}  // namespace tessera::api
