#include "api/oauth_introspection.h"

#include <string>
#include <utility>

#include "api/oauth_request.h"
#include "api/store_routes.h"

namespace tessera::api {
namespace {

// The request's `token`, or the error to answer.
std::expected<std::string_view, http::Response> token_of(const ApiContext& ctx,
                                                         const ClientRequest& r) {
  const auto token = http::form_field(r.form, "token");
  if (!token || token->empty()) {
    return std::unexpected(client_request_error(
        ctx, OAuthError{.code = OAuthErrc::kInvalidRequest, .description = "token is missing"},
        r.via));
  }
  return *token;
}

// RFC 7662 section 2.1-2.3.
http::Response introspect(const ApiContext& ctx, const http::Request& req) {
  auto r = read_client_request(ctx, req, "/oauth2/introspect");
  if (!r) return std::move(r.error());
  if (r->client.auth_method == store::ClientAuthMethod::kNone) {
    return client_request_error(ctx,
                                OAuthError{.code = OAuthErrc::kInvalidClient,
                                           .description = "introspection needs an authenticated "
                                                          "client"},
                                r->via);
  }
  auto token = token_of(ctx, *r);
  if (!token) return std::move(token.error());
  auto answer = ctx.introspection().introspect(
      r->client, *token, http::form_field(r->form, "token_type_hint").value_or(""));
  if (!answer) return client_request_error(ctx, answer.error(), r->via);
  return no_store_json(200, answer->dump());
}

// RFC 7009 section 2.1-2.2.
http::Response revoke(const ApiContext& ctx, const http::Request& req) {
  auto r = read_client_request(ctx, req, "/oauth2/revoke");
  if (!r) return std::move(r.error());
  auto token = token_of(ctx, *r);
  if (!token) return std::move(token.error());
  auto done = ctx.introspection().revoke(r->client, *token,
                                         http::form_field(r->form, "token_type_hint").value_or(""));
  if (!done) return client_request_error(ctx, done.error(), r->via);
  ctx.count_revocations("oauth_revoke");
  http::Response res = no_store_json(200, "");
  res.headers.erase("Content-Type");
  return res;
}

}  // namespace

void add_oauth_introspection_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "POST", "/oauth2/introspect",
                  [c](const http::Request& req) { return introspect(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/oauth2/revoke",
                  [c](const http::Request& req) { return revoke(*c, req); });
}

}  // namespace tessera::api
