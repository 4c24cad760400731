#include "api/federation_handlers.h"

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/query_params.h"
#include "api/store_routes.h"
#include "api/web_pages.h"
#include "http/cookies.h"
#include "http/form.h"
#include "http/log.h"

namespace tessera::api {
namespace {

using auth::federation::FederationErrc;
using auth::federation::FederationError;
using http::Request;
using http::Response;
using json = nlohmann::ordered_json;

// The flow cookie (see the header): the ticket, for the flow's lifetime.
http::SetCookie flow_cookie(std::string value, std::int64_t max_age) {
  return http::SetCookie{.name = std::string(kFederationCookie),
                         .value = std::move(value),
                         .path = "/",
                         .max_age = max_age,
                         .secure = true,
                         .http_only = true,
                         .same_site = http::SameSite::kLax};
}

void set_cookie(Response& res, const http::SetCookie& c) {
  if (auto text = c.to_string()) res.headers.add("Set-Cookie", *text);
}

// The request's flow cookie ("" when absent or repeated: then no flow is this browser's).
std::string flow_ticket(const Request& req) {
  const http::Cookies jar = http::parse_cookies(req.headers);
  if (jar.has_duplicates()) return {};
  return std::string(jar.get(kFederationCookie).value_or(""));
}

// 303 to `location` (any origin: the provider, or an allowed return target), not cacheable, no
// Referer sent on.
Response see_other(std::string location) {
  Response res = http::make_response(303, "", "text/plain");
  res.headers.set("Location", std::move(location));
  res.headers.set("Cache-Control", "no-store");
  res.headers.set("Referrer-Policy", "no-referrer");
  return res;
}

std::string provider_name(const ApiContext& ctx, std::string_view id) {
  for (const auto& p : ctx.federation()->providers()) {
    if (p.id == id) return p.name;
  }
  return "the provider";
}

// The page of a failed flow: the one place that words each failure for the user.
struct PageText {
  int status;
  std::string title;
  std::string message;
};
PageText page_text(const FederationError& e, const std::string& name) {
  const std::string failed = "Sign-in with " + name + " failed";
  switch (e.code) {
    case FederationErrc::kUnknownProvider:
      return {404, "Unknown sign-in provider", "This server has no such sign-in provider."};
    case FederationErrc::kUnavailable:
      return {503, "Sign-in with " + name + " is unavailable",
              name +
                  " cannot be reached right now. Try again in a few minutes, or sign in "
                  "another way."};
    case FederationErrc::kBadReturnTo:
      return {400, "Sign-in refused",
              "The page that sent you here asked to return to an address this server does not "
              "allow."};
    case FederationErrc::kBadState:
    case FederationErrc::kReplayedState:
      return {400, failed,
              "This sign-in attempt has expired, was already used or was started in another "
              "browser. Start again from the sign-in page."};
    case FederationErrc::kAccessDenied:
      return {403, "Sign-in cancelled", "You did not allow " + name + " to sign you in."};
    case FederationErrc::kIssuerMismatch:
    case FederationErrc::kUpstreamError:
    case FederationErrc::kRedeemFailed:
    case FederationErrc::kIdTokenInvalid:
      return {400, failed,
              name +
                  " did not complete the sign-in in a way this server accepts. Start again, "
                  "or sign in another way."};
    case FederationErrc::kEmailMissing:
      return {403, failed, name + " did not share an email address for your account."};
    case FederationErrc::kAccountExists:
      return {409, "Sign in with your password first",
              "An account with this email address already exists. Sign in to it another way, "
              "then add " +
                  name + " from your account page."};
    case FederationErrc::kNoAccount:
      return {403, failed,
              "No account here belongs to your " + name +
                  " identity, and this server does not "
                  "create accounts from " +
                  name + "."};
    case FederationErrc::kUserDisabled:
      return {403, failed, "This account is disabled."};
    case FederationErrc::kIdentityTaken:
      return {409, failed, "This " + name + " account is already linked to another account."};
    case FederationErrc::kLastWayIn:
    case FederationErrc::kNotLinked:
      return {400, failed, "The request was not valid."};
    case FederationErrc::kStore:
      break;
  }
  if (e.auth.code == auth::Errc::kUnavailable || e.auth.code == auth::Errc::kBusy) {
    return {503, failed, "The server cannot complete sign-ins right now. Try again shortly."};
  }
  if (e.auth.code == auth::Errc::kEmailNotVerified) {
    return {403, failed, "Confirm your email address first: follow the link mailed to you."};
  }
  return {403, failed, "The sign-in could not be completed. Start again."};
}

// The log line of a refused flow: the cause in detail (never a secret: the upstream's error
// code, a JOSE reason, a transport error), which the page does not show.
void log_failure(const ApiContext& ctx, const Request& req, std::string_view provider,
                 const FederationError& e) {
  http::log_event(http::LogLevel::kInfo, "federated sign-in refused",
                  {{"provider", std::string(provider)},
                   {"reason", std::string(auth::federation::to_string(e.code))},
                   {"detail", e.detail},
                   {"request_id", ctx.request_context(req).request_id}});
}

// The auth error a JSON caller gets for a federation failure (api/error_mapping.h).
auth::Error api_error(const FederationError& e) {
  switch (e.code) {
    case FederationErrc::kUnknownProvider:
    case FederationErrc::kNotLinked:
      return auth::make_error(auth::Errc::kNotFound);
    case FederationErrc::kUnavailable:
      return auth::make_error(auth::Errc::kNotConfigured, "the provider cannot be reached now");
    case FederationErrc::kLastWayIn:
      return auth::make_error(auth::Errc::kConflict,
                              "this is your only way to sign in: set a password or add a "
                              "passkey first");
    case FederationErrc::kStore:
      return e.auth;
    default:
      return auth::make_error(auth::Errc::kBadInput,
                              std::string(auth::federation::to_string(e.code)));
  }
}

// GET /auth/federation/{id}/start (OIDC Core 1.0 section 3.1.2.1).
Response start(const ApiContext& ctx, const Request& req) {
  const std::string id(req.path_param("id").value_or(""));
  auth::federation::StartRequest start{.provider = id};
  auto fields = http::parse_form(req.query);
  if (!fields) return federation_error_page({.code = FederationErrc::kBadReturnTo}, "");
  start.return_to = std::string(http::form_field(*fields, "return_to").value_or(""));
  if (!start.return_to.empty() && !ctx.return_targets().allows(start.return_to)) {
    return federation_error_page({.code = FederationErrc::kBadReturnTo}, provider_name(ctx, id));
  }
  if (auto max_age = http::form_field(*fields, "max_age")) {
    start.max_age = parse_int(*max_age, 0, 365LL * 24 * 3600);  // malformed: none asked
  }
  start.prompt_login =
      http::form_field(*fields, "prompt") == std::optional<std::string_view>("login");
  auto started = ctx.federation()->start(start);
  if (!started) {
    log_failure(ctx, req, id, started.error());
    return federation_error_page(started.error(), provider_name(ctx, id));
  }
  Response res = see_other(std::move(started->authorization_url));
  set_cookie(res, flow_cookie(std::move(started->ticket), ctx.federation()->flow_ttl()));
  return res;
}

// The browser credential of a completed sign-in, per web.mode (as answer_login hands it out).
std::expected<std::vector<std::string>, auth::Error> sign_in_cookies(
    const ApiContext& ctx, const auth::LoginResult& login, const auth::RequestContext& from) {
  if (ctx.options().mode == WebMode::kJwt) {
    auto pair = ctx.families().start(login.user, from.ip, from.user_agent,
                                     auth::FamilyGrant{.auth_time = login.authentication.time,
                                                       .amr = login.authentication.methods});
    if (!pair) return std::unexpected(pair.error());
    ctx.token_metrics().issued(*pair);
    return ctx.cookies().token_cookies(*pair);
  }
  if (!login.session) return std::unexpected(auth::make_error(auth::Errc::kInternal));
  return ctx.cookies().session_cookies(*login.session);
}

// GET /auth/federation/{id}/callback (OIDC Core 1.0 sections 3.1.2.5-3.1.2.7, 3.1.3; RFC 9207).
Response callback(const ApiContext& ctx, const Request& req) {
  const std::string id(req.path_param("id").value_or(""));
  const auth::RequestContext from = ctx.request_context(req);
  auth::federation::CallbackRequest cb{.provider = id, .ticket = flow_ticket(req)};
  cb.at = auth::SignInContext{
      .from = from,
      .presented_session = std::string(
          http::parse_cookies(req.headers).get(ctx.cookies().names().session).value_or(""))};
  std::expected<auth::federation::Finished, FederationError> done =
      std::unexpected(FederationError{.code = FederationErrc::kBadState});
  if (auto fields = http::parse_form(req.query)) {
    cb.state = std::string(http::form_field(*fields, "state").value_or(""));
    cb.code = std::string(http::form_field(*fields, "code").value_or(""));
    cb.error = std::string(http::form_field(*fields, "error").value_or(""));
    if (auto iss = http::form_field(*fields, "iss")) {
      cb.iss = std::string(*iss);
      cb.has_iss = true;
    }
    done = ctx.federation()->finish(cb);
  }
  const http::SetCookie clear = flow_cookie("", 0);
  if (!done) {
    log_failure(ctx, req, id, done.error());
    if (done.error().code == FederationErrc::kStore ||
        done.error().code == FederationErrc::kUserDisabled) {
      ctx.count_login_failure(done.error().auth);
    }
    Response res = federation_error_page(done.error(), provider_name(ctx, id));
    set_cookie(res, clear);
    return res;
  }
  std::string target = done->return_to.empty() ? ctx.public_url() + "/account" : done->return_to;
  Response res = see_other(std::move(target));
  set_cookie(res, clear);
  if (done->signed_in) {
    auto cookies = sign_in_cookies(ctx, *done->login, from);
    if (!cookies) {
      Response failed = federation_error_page({.auth = cookies.error()}, provider_name(ctx, id));
      set_cookie(failed, clear);
      return failed;
    }
    ctx.count_login("success");
    add_set_cookies(res, *cookies);
  }
  return res;
}

// POST /auth/federation/{id}/link: a recent authentication, then a start that links.
Response link(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto started = ctx.federation()->start(
      {.provider = std::string(req.path_param("id").value_or("")), .link_to = a->user.id});
  if (!started) return error_response(api_error(started.error()));
  Response res =
      http::make_response(200, dump_json(json{{"authorization_url", started->authorization_url}}));
  res.headers.set("Cache-Control", "no-store");
  set_cookie(res, flow_cookie(std::move(started->ticket), ctx.federation()->flow_ttl()));
  return res;
}

// POST /auth/federation/unlink {"issuer", "sub"}: a recent authentication; never the last way in.
Response unlink(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req);
  if (!a) return std::move(a.error());
  static constexpr JsonMember kMembers[] = {{.name = "issuer"}, {.name = "sub"}};
  auto fields = read_json_object(req, kMembers);
  if (!fields) return std::move(fields.error());
  auto gone = ctx.federation()->unlink(a->user, fields->take("issuer"), fields->take("sub"),
                                       ctx.audit_actor(req, a->user.id));
  if (!gone) return error_response(api_error(gone.error()));
  return http::no_content();
}

// GET /auth/federation/providers: for the pages (no secrets: id, name, availability).
Response providers(const ApiContext& ctx, const Request&) {
  json list = json::array();
  if (ctx.federation() == nullptr) return http::make_response(200, R"({"providers":[]})");
  for (const auto& p : ctx.federation()->providers()) {
    list.push_back({{"id", p.id}, {"name", p.name}, {"available", p.available}});
  }
  return http::make_response(200, dump_json(json{{"providers", std::move(list)}}));
}

}  // namespace

Response federation_error_page(const FederationError& e, std::string_view provider_name) {
  const PageText text =
      page_text(e, provider_name.empty() ? "the provider" : std::string(provider_name));
  std::array<std::pair<std::string_view, std::string>, 3> vars = {
      {{"title", text.title},
       {"message", text.message},
       {"code", std::string(auth::federation::to_string(e.code))}}};
  return template_page("federation_error.html", vars, text.status);
}

void add_federation_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.add("GET", "/auth/federation/providers",
             [c](const Request& req) { return providers(*c, req); });
  if (ctx.federation() == nullptr) return;
  // Always on the store pool: each may wait on the provider (bounded by the HTTP client).
  auth::HashPool* pool = ctx.options().store_pool;
  add_store_route(router, pool, "GET", "/auth/federation/{id}/start",
                  [c](const Request& req) { return start(*c, req); });
  add_store_route(router, pool, "GET", "/auth/federation/{id}/callback",
                  [c](const Request& req) { return callback(*c, req); });
  add_store_route(router, pool, "POST", "/auth/federation/{id}/link",
                  [c](const Request& req) { return link(*c, req); });
  add_store_route(router, pool, "POST", "/auth/federation/unlink",
                  [c](const Request& req) { return unlink(*c, req); });
}

}  // namespace tessera::api
