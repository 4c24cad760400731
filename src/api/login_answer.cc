#include "api/login_answer.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_text.h"
#include "api/token_handlers.h"
#include "http/log.h"

namespace tessera::api {
namespace {

using json = nlohmann::ordered_json;

}  // namespace

json user_json(const store::User& u) {
  return {{"id", store::to_uuid(u.id)},
          {"email", u.email},
          {"email_verified", u.email_verified},
          {"roles", u.roles}};
}

http::Response new_credential(const ApiContext& ctx, AuthMethod method, json body,
                              const auth::NewSession* session, const auth::TokenPair* tokens) {
  http::Response res;
  if (method == AuthMethod::kSessionCookie) {
    if (session == nullptr) return error_response(auth::make_error(auth::Errc::kInternal));
    body["csrf_token"] = session->csrf_token;
    res = http::make_response(200, dump_json(body));
    add_set_cookies(res, ctx.cookies().session_cookies(*session));
  } else {
    if (tokens == nullptr) return error_response(auth::make_error(auth::Errc::kInternal));
    ctx.token_metrics().issued(*tokens);
    if (method == AuthMethod::kBearer) {
      body.update(token_json(*tokens, ctx.clock().now_unix()));
      res = http::make_response(200, dump_json(body));
    } else {
      body["csrf_token"] = ctx.family_csrf().token(tokens->sid);
      res = http::make_response(200, dump_json(body));
      add_set_cookies(res, ctx.cookies().token_cookies(*tokens));
    }
  }
  res.headers.set("Cache-Control", "no-store");
  return res;
}

void answer_login(const ApiContext& ctx, LoginChannel channel,
                  std::expected<auth::LoginResult, auth::Error> result,
                  const auth::RequestContext& from, const http::Responder& respond) {
  if (!result) {
    ctx.count_login_failure(result.error());
    // The limiter's refusals (a lockout) record no audit event: their own line, with no email.
    if (const auth::Error& e = result.error();
        e.code == auth::Errc::kRateLimited || e.code == auth::Errc::kConcurrencyLimited) {
      http::log_event(http::LogLevel::kWarn, "login refused",
                      {{"reason", e.code == auth::Errc::kRateLimited ? "rate_limited" : "crowded"},
                       {"retry_after", std::to_string(e.retry_after)},
                       {"ip", from.ip},
                       {"request_id", from.request_id}});
    }
    return respond(error_response(result.error()));
  }
  if (result->mfa) {
    ctx.count_login("mfa_required");
    return respond(mfa_required_response(result->mfa->token, result->mfa->methods));
  }
  ctx.count_login("success");
  const auth::Authentication& authn = result->authentication;
  if (channel == LoginChannel::kToken || ctx.options().mode == WebMode::kJwt) {
    auto pair =
        ctx.families().start(result->user, from.ip, from.user_agent,
                             auth::FamilyGrant{.auth_time = authn.time, .amr = authn.methods});
    if (!pair) return respond(error_response(pair.error()));
    ctx.token_metrics().issued(*pair);
    http::Response res;
    if (channel == LoginChannel::kToken) {
      res = http::make_response(200, token_text(*pair, ctx.clock().now_unix()));
    } else {
      res = http::make_response(
          200, dump_json(json{{"user", user_json(result->user)},
                              {"csrf_token", ctx.family_csrf().token(pair->sid)}}));
      add_set_cookies(res, ctx.cookies().token_cookies(*pair));
    }
    res.headers.set("Cache-Control", "no-store");
    return respond(std::move(res));
  }
  if (!result->session) return respond(error_response(auth::make_error(auth::Errc::kInternal)));
  http::Response res =
      http::make_response(200, dump_json(json{{"user", user_json(result->user)},
                                              {"csrf_token", result->session->csrf_token}}));
  add_set_cookies(res, ctx.cookies().session_cookies(*result->session));
  respond(std::move(res));
}

}  // namespace tessera::api
