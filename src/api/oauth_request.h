// What the OAuth endpoints share.
//
// The front-channel ones (authorize, logout), which a browser visits: their parameters come
// from the query (GET) or an application/x-www-form-urlencoded body (POST); a parameter given
// twice (RFC 6749 section 3.1), or a request that does not decode, is an error page, never a
// redirect (which copy would name the client is unknowable).
//
// The client-authenticated ones (token, introspection, revocation): the
// request is an application/x-www-form-urlencoded POST (RFC 6749 section 3.2, RFC 7662 section
// 2.1, RFC 7009 section 2.1), no parameter appears twice (RFC 6749 section 3.2), and the client
// authenticates first (api/client_credentials.h reads it, auth::ClientAuthenticator checks it).
// Every refusal is the token-style error (api/oauth_errors.h), counted in /metrics, with
// Pragma: no-cache beside the error's Cache-Control: no-store.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/api_context.h"
#include "api/oauth_errors.h"
#include "http/form.h"
#include "http/message.h"
#include "store/client_store.h"

namespace tessera::api {

// Where each known parameter goes. Unknown parameters are ignored (RFC 6749 section 3.1).
using ParamSlots = std::span<const std::pair<std::string_view, std::optional<std::string>*>>;

// Fills `slots` from the request, or the error page to send. `empty_is_absent`: a parameter
// sent without a value is left unset (RFC 6749 section 3.1).
std::expected<void, http::Response> read_front_channel_params(const http::Request& req,
                                                              ParamSlots slots,
                                                              bool empty_is_absent);

// The invalid_request error page.
http::Response invalid_request_page(std::string description);

struct ClientRequest {
  http::FormFields form;
  store::Client client;  // authenticated
  ClientAuthVia via = ClientAuthVia::kNone;
};

// The request read and its client authenticated, or the response to send. `endpoint`: this
// endpoint's path ("/oauth2/token"), whose URL a client assertion may name as its audience
// (RFC 7523 section 3), beside the issuer.
std::expected<ClientRequest, http::Response> read_client_request(const ApiContext& ctx,
                                                                 const http::Request& req,
                                                                 std::string_view endpoint);

// The token-style error response, counted, with Pragma: no-cache.
http::Response client_request_error(const ApiContext& ctx, const OAuthError& error,
                                    ClientAuthVia via);

// A protected resource's check of a presented access token (RFC 6750 section 3.1): the token's
// principal, or the Bearer challenge to answer - invalid_token for a token that is invalid,
// expired or revoked, the store's failure (503) as the error mapping says. What the token must
// grant (scope, a user) is the caller's to check.
std::expected<std::shared_ptr<const auth::AccessPrincipal>, http::Response> verify_bearer(
    const ApiContext& ctx, std::string_view token);

// Cache-Control: no-store and Pragma: no-cache on a successful JSON answer (RFC 6749 section
// 5.1).
http::Response no_store_json(int status, std::string body);

}  // namespace tessera::api
