#include "api/oauth_token.h"

#include <optional>
#include <string>
#include <utility>

#include "api/oauth_request.h"
#include "api/store_routes.h"
#include "api/token_handlers.h"
#include "http/form.h"

namespace tessera::api {
namespace {

std::optional<std::string> optional_field(const http::FormFields& form, std::string_view name) {
  if (auto v = http::form_field(form, name)) return std::string(*v);
  return std::nullopt;
}

http::Response success(const auth::OAuthTokenResponse& t) {
  return no_store_json(200, token_body(TokenBody{.access_token = t.access_token,
                                                 .expires_in = t.expires_in,
                                                 .refresh_token = t.refresh_token,
                                                 .id_token = t.id_token,
                                                 .scope = t.scope}));
}

// RFC 6749 section 3.2: the token endpoint, as described in the header.
http::Response token(const ApiContext& ctx, const http::Request& req) {
  auto request = read_client_request(ctx, req, "/oauth2/token");
  if (!request) return std::move(request.error());
  const http::FormFields& form = request->form;
  const store::Client& client = request->client;
  const auto refuse = [&](OAuthErrc code, std::string description) {
    return client_request_error(
        ctx, OAuthError{.code = code, .description = std::move(description)}, request->via);
  };
  const auto grant = http::form_field(form, "grant_type");
  if (!grant || grant->empty()) return refuse(OAuthErrc::kInvalidRequest, "grant_type is missing");
  const auth::RequestContext rc = ctx.request_context(req);
  const auth::AuditActor from{.user = std::nullopt, .ip = rc.ip, .user_agent = rc.user_agent};
  std::expected<auth::OAuthTokenResponse, OAuthError> issued;
  if (*grant == auth::kGrantAuthorizationCode) {
    const auto code = http::form_field(form, "code");
    if (!code || code->empty()) return refuse(OAuthErrc::kInvalidRequest, "code is missing");
    issued = ctx.oauth_grants().authorization_code(
        client,
        auth::CodeGrantParams{.code = std::string(*code),
                              .redirect_uri = optional_field(form, "redirect_uri"),
                              .code_verifier = optional_field(form, "code_verifier")},
        from);
  } else if (*grant == auth::kGrantRefreshToken) {
    const auto refresh = http::form_field(form, "refresh_token");
    if (!refresh || refresh->empty()) {
      return refuse(OAuthErrc::kInvalidRequest, "refresh_token is missing");
    }
    issued =
        ctx.oauth_grants().refresh_token(client, *refresh, optional_field(form, "scope"), from);
  } else if (*grant == auth::kGrantClientCredentials) {
    issued = ctx.oauth_grants().client_credentials(client, optional_field(form, "scope"));
  } else {
    return refuse(OAuthErrc::kUnsupportedGrantType,
                  "this server does not implement that grant type");
  }
  if (!issued) return client_request_error(ctx, issued.error(), request->via);
  ctx.count_oauth_token(*grant);
  ctx.token_metrics().issued(*issued);
  return success(*issued);
}

}  // namespace

void add_oauth_token_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "POST", "/oauth2/token",
                  [c](const http::Request& req) { return token(*c, req); });
}

}  // namespace tessera::api
