#include "api/token_handlers.h"

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/login_answer.h"
#include "api/store_routes.h"
#include "base/json_text.h"
#include "http/cookies.h"

namespace tessera::api {
namespace {

using http::Request;
using http::Response;

constexpr std::array<JsonMember, 3> kTokenMembers = {JsonMember{"email"}, JsonMember{"password"},
                                                     JsonMember{"totp", false}};
constexpr std::array<JsonMember, 1> kRefreshMembers = {JsonMember{"refresh_token"}};

// RFC 6749 section 5.1: the token response, never cached.
Response token_response(const auth::TokenPair& pair, std::int64_t now) {
  Response res = http::make_response(200, token_text(pair, now));
  res.headers.set("Cache-Control", "no-store");
  return res;
}

// POST /auth/token (see the header).
void token(const ApiContext& ctx, Request req, http::Responder respond) {
  auto fields = read_json_object(req, kTokenMembers);
  if (!fields) return respond(std::move(fields.error()));
  auth::LoginRequest login;
  login.email = fields->take("email");
  login.password = fields->take("password");
  login.from = ctx.request_context(req);
  login.start_session = false;
  login.totp = std::string(fields->get("totp").value_or(""));
  const ApiContext* c = &ctx;
  auto from = login.from;
  ctx.auth().login(std::move(login),
                   [c, from, respond](std::expected<auth::LoginResult, auth::Error> r) {
                     answer_login(*c, LoginChannel::kToken, std::move(r), from, respond);
                   });
}

// The cookie variant of POST /auth/refresh (see the header).
Response refresh_cookie(const ApiContext& ctx, const Request& req) {
  const http::Cookies jar = http::parse_cookies(req.headers);  // `cookie` points into it
  auto cookie = single_cookie(jar, ctx.cookies().names().refresh);
  if (!cookie)
    return problem_response(400, http::codes::kDuplicateCookie,
                            "the refresh cookie was sent more than once");
  if (!*cookie) return error_response(auth::make_error(auth::Errc::kUnauthenticated));
  // CSRF before anything else: a refused request rotates nothing and costs no store write.
  auto presented = ctx.csrf().presented(req);
  if (!presented) return std::move(presented.error());
  auto refused = [&ctx](const auth::Error& e) {
    Response res = error_response(e);
    if (res.status == 401)
      add_set_cookies(res, ctx.cookies().clearing_cookies(AuthMethod::kAccessCookie));
    return res;
  };
  auto sid = ctx.families().sid_of_refresh(**cookie);
  if (!sid) return refused(sid.error());
  if (auto ok = ctx.csrf().check_family(*sid, *presented); !ok) return std::move(ok.error());
  const auth::RequestContext from = ctx.request_context(req);
  auth::RefreshReport report;
  auto pair = ctx.families().refresh(**cookie, from.ip, from.user_agent, {}, &report);
  ctx.token_metrics().refresh(report);
  if (!pair) return refused(pair.error());
  ctx.token_metrics().issued(*pair);
  nlohmann::ordered_json body = {{"csrf_token", ctx.family_csrf().token(pair->sid)},
                                 {"expires_in", pair->access.expires_at - ctx.clock().now_unix()}};
  Response res = http::make_response(200, body.dump());
  res.headers.set("Cache-Control", "no-store");
  add_set_cookies(res, ctx.cookies().token_cookies(*pair));
  return res;
}

// POST /auth/refresh (see the header): an empty body is the browser's cookie variant.
Response refresh(const ApiContext& ctx, const Request& req) {
  if (req.body.empty()) return refresh_cookie(ctx, req);
  auto fields = read_json_object(req, kRefreshMembers);
  if (!fields) return std::move(fields.error());
  const auth::RequestContext from = ctx.request_context(req);
  auth::RefreshReport report;
  auto pair =
      ctx.families().refresh(fields->take("refresh_token"), from.ip, from.user_agent, {}, &report);
  ctx.token_metrics().refresh(report);
  if (!pair) return error_response(pair.error());
  ctx.token_metrics().issued(*pair);
  return token_response(*pair, ctx.clock().now_unix());
}

}  // namespace

std::string token_body(const TokenBody& body) {
  base::JsonObjectWriter out(body.access_token.size() + body.refresh_token.size() +
                             body.id_token.size() + 128);
  out.string("access_token", body.access_token)
      .string("token_type", "Bearer")
      .integer("expires_in", body.expires_in);
  if (!body.refresh_token.empty()) out.string("refresh_token", body.refresh_token);
  if (!body.id_token.empty()) out.string("id_token", body.id_token);
  if (body.scope) out.string("scope", *body.scope);
  return out.take();
}

std::string token_text(const auth::TokenPair& pair, std::int64_t now) {
  return token_body(TokenBody{.access_token = pair.access.token,
                              .expires_in = pair.access.expires_at - now,
                              .refresh_token = pair.refresh_token});
}

nlohmann::ordered_json token_json(const auth::TokenPair& pair, std::int64_t now) {
  return nlohmann::ordered_json::parse(token_text(pair, now));
}

void add_token_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route_async(
      router, ctx.offload_pool(), "POST", "/auth/token",
      [c](Request req, http::Responder respond) { token(*c, std::move(req), std::move(respond)); });
  // A rotation is a store write: on the store pool when there is one (503 when its queue is
  // full), so the I/O threads never wait on SQLite's writer lock or a checkpoint's fsync.
  router.add_async("POST", "/auth/refresh", [c](Request req, http::Responder respond) {
    auth::HashPool* pool = c->options().store_pool;
    if (pool == nullptr) return respond(refresh(*c, req));
    auto shared = std::make_shared<Request>(std::move(req));
    if (!pool->submit([c, shared, respond] { respond(refresh(*c, *shared)); })) {
      respond(error_response(auth::make_error(auth::Errc::kBusy)));
    }
  });
}

}  // namespace tessera::api
