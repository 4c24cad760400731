#include "api/passkey_login.h"

#include <array>
#include <optional>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/login_answer.h"
#include "api/store_routes.h"
#include "auth/passkeys.h"
#include "http/cookies.h"
#include "http/form.h"

namespace tessera::api {
namespace {

using http::Request;
using http::Response;

constexpr std::array<JsonMember, 2> kOptionsMembers = {JsonMember{"email", false},
                                                       JsonMember{"mfa_token", false}};

auth::AuditActor actor_of(const auth::RequestContext& from) {
  return auth::AuditActor{.user = std::nullopt, .ip = from.ip, .user_agent = from.user_agent};
}

Response options_response(std::string publickey_json) {
  Response res = http::make_response(200, std::move(publickey_json));
  res.headers.set("Cache-Control", "no-store");  // a challenge is for one ceremony
  return res;
}

// POST /auth/passkeys/login/options: section 5.5 PublicKeyCredentialRequestOptions, as JSON
// (section 5.1.10). The challenge is single-use and bound to the ceremony and, for {email} and
// {mfa_token}, to the user (auth/passkeys.h).
Response login_options(const ApiContext& ctx, const Request& req) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return std::move(o.error());
  auto fields = read_json_object(req, kOptionsMembers);
  if (!fields) return std::move(fields.error());
  const auto email = fields->get("email");
  const auto token = fields->get("mfa_token");
  if (email && token)
    return problem_response(400, http::codes::kBadInput, "send email or mfa_token, not both");
  std::expected<std::string, auth::Error> options;
  if (token) {
    auto ticket = ctx.second_factors().open_mfa_token(*token);
    if (!ticket) return error_response(ticket.error());
    options = ctx.passkeys().login_options(ticket->user, auth::PasskeyCeremony::kSecondFactor);
  } else {
    std::optional<store::UserId> user;
    if (email) {
      auto candidate = ctx.auth().sign_in_candidate(*email);
      if (!candidate) return error_response(candidate.error());
      if (*candidate) user = (*candidate)->id;
    }
    options = ctx.passkeys().login_options(user, auth::PasskeyCeremony::kLogin);
  }
  if (!options) return error_response(options.error());
  return options_response(std::move(*options));
}

// POST /auth/passkeys/login: section 7.2 "Verifying an Authentication Assertion" with the
// passkey as the whole login (user verification required), then a sign-in like a password
// login's (a NEW session or token family, the presented session replaced; amr hwk or swk, and
// mfa).
void login(const ApiContext& ctx, Request req, http::Responder respond) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return respond(std::move(o.error()));
  if (!http::has_media_type(req, "application/json")) {
    return respond(problem_response(415, http::codes::kUnsupportedMediaType,
                                    "the body must be application/json"));
  }
  const auth::RequestContext from = ctx.request_context(req);
  const std::int64_t now = ctx.clock().now_unix();
  auto assertion = ctx.passkeys().verify_login(req.body, auth::PasskeyCeremony::kLogin,
                                               std::nullopt, now, actor_of(from));
  if (!assertion) {
    if (assertion.error().code == auth::Errc::kPasskeyRefused) {
      (void)ctx.audit().record(auth::AuditType::kLoginFailure, now, actor_of(from),
                               {{"reason", "passkey_refused"}});
    }
    return answer_login(ctx, LoginChannel::kBrowser, std::unexpected(std::move(assertion.error())),
                        from, respond);
  }
  // auth/passkeys.h: verify_login refuses a disabled user's passkey; the record is read again
  // for the answer (roles, email as now stored).
  auto user = ctx.auth().user(assertion->user);
  if (!user) {
    return answer_login(ctx, LoginChannel::kBrowser,
                        std::unexpected(user.error().code == auth::Errc::kNotFound
                                            ? auth::make_error(auth::Errc::kPasskeyRefused)
                                            : std::move(user.error())),
                        from, respond);
  }
  auth::SignInContext at{.from = from,
                         .presented_session = {},
                         .start_session = ctx.options().mode == WebMode::kSession};
  const http::Cookies jar = http::parse_cookies(req.headers);
  if (auto s = jar.get(ctx.cookies().names().session)) at.presented_session = std::string(*s);
  answer_login(
      ctx, LoginChannel::kBrowser,
      ctx.auth().sign_in(std::move(*user),
                         auth::Authentication{.time = now, .methods = assertion->methods}, at),
      from, respond);
}

}  // namespace

std::function<std::expected<auth::Amr, auth::Error>(const store::UserId&)> passkey_proof(
    const ApiContext& ctx, std::string response_json, auth::RequestContext from) {
  const ApiContext* c = &ctx;
  return [c, json = std::move(response_json), from = std::move(from)](
             const store::UserId& user) -> std::expected<auth::Amr, auth::Error> {
    auto a = c->passkeys().verify_login(json, auth::PasskeyCeremony::kSecondFactor, user,
                                        c->clock().now_unix(), actor_of(from));
    if (!a) {
      if (a.error().code == auth::Errc::kPasskeyRefused) {
        return std::unexpected(auth::make_error(auth::Errc::kInvalidCode));
      }
      return std::unexpected(std::move(a.error()));
    }
    return a->methods;
  };
}

void add_passkey_login_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/passkeys/login/options",
                  [c](const Request& req) { return login_options(*c, req); });
  add_store_route_async(
      router, ctx.offload_pool(), "POST", "/auth/passkeys/login",
      [c](Request req, http::Responder respond) { login(*c, std::move(req), respond); });
}

}  // namespace tessera::api
