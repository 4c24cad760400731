#include "api/oauth_request.h"

#include <array>
#include <set>
#include <string>
#include <utility>

#include "api/client_credentials.h"

namespace tessera::api {

http::Response invalid_request_page(std::string description) {
  return oauth_error_page(
      OAuthError{.code = OAuthErrc::kInvalidRequest, .description = std::move(description)});
}

std::expected<void, http::Response> read_front_channel_params(const http::Request& req,
                                                              ParamSlots slots,
                                                              bool empty_is_absent) {
  std::string_view encoded = req.query;
  if (req.method == "POST") {
    if (!http::has_media_type(req, "application/x-www-form-urlencoded")) {
      return std::unexpected(
          invalid_request_page("the body must be application/x-www-form-urlencoded"));
    }
    encoded = req.body;
  }
  auto fields = http::parse_form(encoded);
  if (!fields) {
    return std::unexpected(invalid_request_page("the parameters do not decode: " + fields.error()));
  }
  std::set<std::string_view> seen;
  for (const auto& [name, value] : *fields) {
    for (const auto& [known, slot] : slots) {
      if (name != known) continue;
      if (!seen.insert(known).second) {
        return std::unexpected(
            invalid_request_page(std::string(known) + " is given more than once"));
      }
      if (!value.empty() || !empty_is_absent) *slot = value;
    }
  }
  return {};
}

http::Response client_request_error(const ApiContext& ctx, const OAuthError& error,
                                    ClientAuthVia via) {
  ctx.count_oauth_error(error.code);
  http::Response res = oauth_token_error(error, via);
  res.headers.set("Pragma", "no-cache");
  return res;
}

http::Response no_store_json(int status, std::string body) {
  http::Response res = http::make_response(status, std::move(body));
  res.headers.set("Cache-Control", "no-store");
  res.headers.set("Pragma", "no-cache");
  return res;
}

std::expected<ClientRequest, http::Response> read_client_request(const ApiContext& ctx,
                                                                 const http::Request& req,
                                                                 std::string_view endpoint) {
  ClientRequest out;
  out.via = client_auth_via(req);
  const auto bad_request = [&](std::string description) {
    return std::unexpected(client_request_error(
        ctx, OAuthError{.code = OAuthErrc::kInvalidRequest, .description = std::move(description)},
        out.via));
  };
  if (!http::has_media_type(req, "application/x-www-form-urlencoded")) {
    return bad_request("the body must be application/x-www-form-urlencoded");
  }
  auto form = http::parse_form(req.body);
  if (!form) return bad_request("the body does not decode: " + form.error());
  std::set<std::string_view> seen;
  for (const auto& field : *form) {
    if (!seen.insert(field.first).second) {
      return bad_request(field.first + " is given more than once");
    }
  }
  auto presented = presented_client(req, *form);
  if (!presented) return std::unexpected(client_request_error(ctx, presented.error(), out.via));
  const std::string& issuer = ctx.access_tokens().config().issuer;
  const std::array<std::string, 2> audiences = {issuer + std::string(endpoint), issuer};
  auto client = ctx.client_auth().authenticate(*presented, audiences);
  if (!client) return std::unexpected(client_request_error(ctx, client.error(), out.via));
  out.form = std::move(*form);
  out.client = std::move(*client);
  return out;
}

std::expected<std::shared_ptr<const auth::AccessPrincipal>, http::Response> verify_bearer(
    const ApiContext& ctx, std::string_view token) {
  auto principal = ctx.access_tokens().verify(token);
  if (principal) return std::move(*principal);
  if (principal.error().code == auth::Errc::kUnauthenticated) {
    return std::unexpected(
        oauth_bearer_error(OAuthError{.code = OAuthErrc::kInvalidToken,
                                      .description = "the token is invalid, expired or revoked"},
                           /*token_presented=*/true));
  }
  return std::unexpected(
      oauth_bearer_error(oauth_error(principal.error(), OAuthErrc::kInvalidToken), true));
}

}  // namespace tessera::api
