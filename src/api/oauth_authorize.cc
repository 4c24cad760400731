#include "api/oauth_authorize.h"

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "api/error_mapping.h"
#include "api/oauth_errors.h"
#include "api/oauth_request.h"
#include "api/store_routes.h"
#include "api/web_pages.h"
#include "auth/scope.h"
#include "http/form.h"
#include "uri/uri.h"

namespace tessera::api {
namespace {

using auth::AuthorizationOutcome;
using auth::AuthorizationParams;

// The request's parameters, or the error page for a repeated or undecodable one.
std::expected<AuthorizationParams, http::Response> read_params(const http::Request& req) {
  AuthorizationParams p;
  const std::array<std::pair<std::string_view, std::optional<std::string>*>, 15> slots = {{
      {"response_type", &p.response_type},
      {"client_id", &p.client_id},
      {"redirect_uri", &p.redirect_uri},
      {"scope", &p.scope},
      {"state", &p.state},
      {"nonce", &p.nonce},
      {"code_challenge", &p.code_challenge},
      {"code_challenge_method", &p.code_challenge_method},
      {"prompt", &p.prompt},
      {"max_age", &p.max_age},
      {"login_hint", &p.login_hint},
      {"response_mode", &p.response_mode},
      {"request", &p.request},
      {"request_uri", &p.request_uri},
      {"acr_values", &p.acr_values},
  }};
  if (auto r = read_front_channel_params(req, slots, /*empty_is_absent=*/false); !r) {
    return std::unexpected(std::move(r.error()));
  }
  return p;
}

// The browser's signed-in user, from its cookies (never a Bearer token), or nullopt. The error
// is a store failure (503) to show as it is.
std::expected<std::optional<auth::AuthorizationViewer>, http::Response> viewer_of(
    const ApiContext& ctx, const http::Request& req) {
  auto who = ctx.credentials().authenticate_without_csrf(req);
  if (!who) {
    if (who.error().status >= 500) return std::unexpected(std::move(who.error()));
    return std::nullopt;  // signed out, or a stale cookie: sign in again
  }
  if (!who->by_cookie()) return std::nullopt;
  const auth::Authentication authn = who->authentication();
  bool has_second_factor = false;
  if (!authn.methods.has(auth::AuthMethodRef::kMfa)) {  // acr_values=aal2 may need it
    auto factors = ctx.second_factors().status(who->user.id);
    if (!factors) return std::unexpected(error_response(factors.error()));
    has_second_factor = factors->enrolled();
  }
  return auth::AuthorizationViewer{.user = std::move(who->user),
                                   .auth_time = authn.time,
                                   .amr = authn.methods.text(),
                                   .has_second_factor = has_second_factor};
}

http::Response to_client(std::string_view redirect_uri, const uri::QueryParams& params) {
  auto location = uri::with_query_params(redirect_uri, params);
  if (!location) {
    // Registration accepts only absolute URIs without fragments: a bug, not input.
    return oauth_error_page(OAuthError{.code = OAuthErrc::kServerError, .description = {}});
  }
  http::Response res;
  res.status = 303;
  res.headers.set("Location", std::move(*location));
  res.headers.set("Cache-Control", "no-store");
  return res;
}

// Renders an outcome (see the header).
http::Response render(const ApiContext& ctx, AuthorizationOutcome outcome,
                      const std::optional<auth::AuthorizationViewer>& viewer) {
  const std::string& issuer = ctx.access_tokens().config().issuer;
  if (auto* e = std::get_if<auth::authorization::ErrorPage>(&outcome)) {
    ctx.count_oauth_authorization("error");
    ctx.count_oauth_error(e->error.code);
    return oauth_error_page(e->error);
  }
  if (auto* e = std::get_if<auth::authorization::RedirectError>(&outcome)) {
    ctx.count_oauth_authorization("error");
    ctx.count_oauth_error(e->error.code);
    return oauth_redirect_error(e->redirect_uri, e->error, e->state, issuer);
  }
  if (auto* c = std::get_if<auth::authorization::Code>(&outcome)) {
    ctx.count_oauth_authorization("code");
    uri::QueryParams params = {{"code", c->code}};
    if (!c->state.empty()) params.emplace_back("state", c->state);
    params.emplace_back("iss", issuer);  // RFC 9207 section 2
    return to_client(c->redirect_uri, params);
  }
  if (auto* l = std::get_if<auth::authorization::Login>(&outcome)) {
    ctx.count_oauth_authorization("login");
    const auto replay = auth::AuthorizationService::replay_params(l->request);
    uri::QueryParams inner;
    for (const auto& [n, v] : replay) inner.emplace_back(n, v);
    const std::string return_to = "/oauth2/authorize?" + uri::encode_query(inner);
    uri::QueryParams outer = {{"return_to", return_to}};
    if (!l->login_hint.empty()) outer.emplace_back("login_hint", l->login_hint);
    return redirect("/login?" + uri::encode_query(outer));
  }
  const auto& consent = std::get<auth::authorization::Consent>(outcome);
  ctx.count_oauth_authorization("consent");
  const std::array<std::pair<std::string_view, std::string>, 4> vars = {{
      {"client_name", consent.request.client.name},
      {"email", viewer ? viewer->user.email : std::string()},
      {"scope", auth::join_scope(consent.request.scope)},
      {"ticket", consent.ticket},
  }};
  return form_page("consent.html", vars, consent.request.redirect_uri);
}

// GET|POST /oauth2/authorize: RFC 6749 section 4.1.1 (with RFC 7636 section 4.3, OIDC Core
// section 3.1.2.1), answered per section 4.1.2 and RFC 9207.
http::Response authorize(const ApiContext& ctx, const http::Request& req) {
  auto params = read_params(req);
  if (!params) return std::move(params.error());
  auto request = ctx.authorization().validate(*params);
  if (!request) return render(ctx, std::move(request.error()), std::nullopt);
  auto viewer = viewer_of(ctx, req);
  if (!viewer) return std::move(viewer.error());
  return render(ctx, ctx.authorization().decide(*request, *viewer), *viewer);
}

// POST /oauth2/consent: the consent page's answer (OIDC Core section 3.1.2.4).
http::Response consent(const ApiContext& ctx, const http::Request& req) {
  if (auto origin = ctx.csrf().check_login_origin(req); !origin) return std::move(origin.error());
  if (!http::has_media_type(req, "application/x-www-form-urlencoded")) {
    return invalid_request_page("the body must be application/x-www-form-urlencoded");
  }
  auto fields = http::parse_form(req.body);
  if (!fields) return invalid_request_page("the form does not decode: " + fields.error());
  const auto ticket = http::form_field(*fields, "ticket");
  const auto decision = http::form_field(*fields, "decision");
  if (!ticket || !decision || (*decision != "allow" && *decision != "deny")) {
    return invalid_request_page("the consent form is incomplete");
  }
  auto viewer = viewer_of(ctx, req);
  if (!viewer) return std::move(viewer.error());
  if (!*viewer) {
    // Signed out since the page was shown: nothing to decide for; the app starts again.
    return invalid_request_page("you are no longer signed in; go back to the app and start again");
  }
  return render(ctx,
                ctx.authorization().consent(
                    *ticket, *decision == "allow", **viewer,
                    auth::AuditActor{.user = (*viewer)->user.id,
                                     .ip = ctx.request_context(req).ip,
                                     .user_agent = ctx.request_context(req).user_agent}),
                *viewer);
}

}  // namespace

void add_oauth_authorize_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  for (const char* method : {"GET", "POST"}) {
    add_store_route(router, ctx.offload_pool(), method, "/oauth2/authorize",
                    [c](const http::Request& req) { return authorize(*c, req); });
  }
  add_store_route(router, ctx.offload_pool(), "POST", "/oauth2/consent",
                  [c](const http::Request& req) { return consent(*c, req); });
}

}  // namespace tessera::api
