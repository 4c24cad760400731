#include "api/oauth_userinfo.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "api/oauth_errors.h"
#include "api/oauth_request.h"
#include "api/store_routes.h"
#include "auth/scope.h"
#include "http/form.h"

namespace tessera::api {
namespace {

http::Response refused(OAuthErrc code, std::string description, std::string_view scope = {}) {
  return oauth_bearer_error(OAuthError{.code = code, .description = std::move(description)},
                            /*token_presented=*/true, scope);
}

// The presented token: the header's, or a POST form's access_token. nullopt: none presented.
std::expected<std::optional<std::string>, http::Response> token_of(const http::Request& req) {
  auto header = bearer_token(req);
  if (!header)
    return std::unexpected(refused(OAuthErrc::kInvalidRequest, "malformed Authorization"));
  std::optional<std::string> token;
  if (*header) token = std::string(**header);
  if (req.method == "POST" && http::has_media_type(req, "application/x-www-form-urlencoded")) {
    auto form = http::parse_form(req.body);
    if (!form)
      return std::unexpected(refused(OAuthErrc::kInvalidRequest, "the body does not decode"));
    std::size_t n = 0;
    for (const auto& [name, value] : *form) {
      if (name != "access_token") continue;
      if (++n > 1 || token) {  // repeated, or beside the header (RFC 6750 section 2)
        return std::unexpected(refused(OAuthErrc::kInvalidRequest, "more than one token"));
      }
      token = value;
    }
    if (n == 1 && token->empty())
      return std::unexpected(refused(OAuthErrc::kInvalidRequest, "empty token"));
  }
  return token;
}

http::Response userinfo(const ApiContext& ctx, const http::Request& req) {
  auto token = token_of(req);
  if (!token) return std::move(token.error());
  if (!*token) {
    return oauth_bearer_error(OAuthError{.code = OAuthErrc::kInvalidToken, .description = {}},
                              /*token_presented=*/false);
  }
  auto principal = verify_bearer(ctx, **token);
  if (!principal) return std::move(principal.error());
  const auth::AccessPrincipal& p = **principal;
  if (p.service) return refused(OAuthErrc::kInvalidToken, "a client's own token names no user");
  const auto scope = auth::parse_scope(p.scope).value_or(std::vector<std::string>{});
  if (!auth::has_scope(scope, "openid")) {
    return refused(OAuthErrc::kInsufficientScope, "the token was not issued with openid", "openid");
  }
  auto user = ctx.auth().token_user(p);
  if (!user) {
    if (user.error().code == auth::Errc::kUnauthenticated) {
      return refused(OAuthErrc::kInvalidToken, "the token is invalid, expired or revoked");
    }
    return oauth_bearer_error(oauth_error(user.error(), OAuthErrc::kInvalidToken), true);
  }
  nlohmann::ordered_json claims = {{"sub", p.user_uuid}};
  if (auth::has_scope(scope, "email")) {
    claims["email"] = user->email;
    claims["email_verified"] = user->email_verified;  // a mailed link was followed
  }
  return no_store_json(200, claims.dump());
}

}  // namespace

void add_oauth_userinfo_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  for (const char* method : {"GET", "POST"}) {
    add_store_route(router, ctx.offload_pool(), method, "/oauth2/userinfo",
                    [c](const http::Request& req) { return userinfo(*c, req); });
  }
}

}  // namespace tessera::api
