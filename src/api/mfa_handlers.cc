#include "api/mfa_handlers.h"

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_text.h"
#include "api/login_answer.h"
#include "api/passkey_login.h"
#include "api/qr_svg.h"
#include "api/store_routes.h"
#include "http/cookies.h"

namespace tessera::api {
namespace {

using http::Request;
using http::Response;
using json = nlohmann::ordered_json;

constexpr std::array<JsonMember, 1> kConfirmMembers = {JsonMember{"code"}};
constexpr std::array<JsonMember, 4> kSecondStepMembers = {
    JsonMember{"mfa_token"}, JsonMember{"totp", false}, JsonMember{"recovery_code", false},
    JsonMember{.name = "webauthn", .required = false, .kind = JsonKind::kObject}};

// Answers that carry secrets (a TOTP secret, recovery codes) are never stored by caches.
Response secret_response(const json& body) {
  Response res = http::make_response(200, dump_json(body));
  res.headers.set("Cache-Control", "no-store");
  return res;
}

// GET /auth/mfa: what the caller has enrolled.
Response status(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  auto s = ctx.second_factors().status(a->user.id);
  if (!s) return error_response(s.error());
  return http::make_response(
      200, dump_json(json{{"totp", {{"enabled", s->totp}, {"pending", s->totp_pending}}},
                          {"recovery_codes_remaining", s->recovery_codes},
                          {"passkeys", s->passkeys}}));
}

// POST /auth/mfa/totp/enroll: RFC 6238 enrolment. A new pending secret (a pending one is
// replaced), shown as base32 for typing and as the otpauth:// URI and its QR code for scanning.
// Recent authentication: whoever holds a stale session must not bind their own authenticator.
Response enroll(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto e = ctx.second_factors().enroll_totp(a->user);
  if (!e) return error_response(e.error());
  auto qr = qr_svg(e->otpauth_uri);
  if (!qr) return error_response(auth::make_error(auth::Errc::kInternal));
  return secret_response(
      {{"secret", e->secret}, {"otpauth_uri", e->otpauth_uri}, {"qr_svg", std::move(*qr)}});
}

// POST /auth/mfa/totp/confirm {code}: the first code from the new secret turns TOTP on and
// brings the 10 recovery codes (shown this once). The caller has now proved a second factor:
// its credential is renewed with otp and mfa (api new_credential: cookies or token JSON).
Response confirm(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  auto fields = read_json_object(req, kConfirmMembers);
  if (!fields) return std::move(fields.error());
  std::optional<store::Session> renew;
  if (a->session) renew = a->session->session;
  auto r =
      ctx.auth().confirm_totp(a->user, renew, a->session ? nullptr : a->access, a->authentication(),
                              fields->take("code"), ctx.request_context(req));
  if (!r) return error_response(r.error());
  json body = {{"recovery_codes", r->recovery_codes},
               {"auth_time", r->authentication.time},
               {"amr", r->authentication.methods.values()},
               {"acr", r->authentication.methods.acr()}};
  return new_credential(ctx, a->method, std::move(body),
                        r->credential.session ? &*r->credential.session : nullptr,
                        r->credential.tokens ? &*r->credential.tokens : nullptr);
}

// DELETE /auth/mfa/totp: TOTP off (a sensitive action: removing a factor).
Response remove(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  if (auto r = ctx.second_factors().remove_totp(a->user.id, ctx.audit_actor(req, a->user.id)); !r) {
    return error_response(r.error());
  }
  return http::no_content();
}

// POST /auth/mfa/recovery-codes: 10 new codes; every old one stops working.
Response regenerate(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto codes =
      ctx.second_factors().regenerate_recovery_codes(a->user.id, ctx.audit_actor(req, a->user.id));
  if (!codes) return error_response(codes.error());
  return secret_response({{"recovery_codes", std::move(*codes)}});
}

// POST /auth/login/mfa and /auth/token/mfa: the second step of a login (SPEC.md "Second
// factors and step-up"). No cookie credential is needed or read: the mfa_token is the state.
// The login-CSRF origin check applies as to /auth/login.
void second_step(const ApiContext& ctx, LoginChannel channel, Request req,
                 http::Responder respond) {
  if (channel == LoginChannel::kBrowser) {
    if (auto o = ctx.csrf().check_login_origin(req); !o) return respond(std::move(o.error()));
  }
  auto fields = read_json_object(req, kSecondStepMembers);
  if (!fields) return respond(std::move(fields.error()));
  auto code = presented_code(*fields);
  if (!code) return respond(std::move(code.error()));
  auto webauthn = fields->object_text("webauthn");
  if (*code && webauthn) {
    return respond(problem_response(400, http::codes::kBadInput,
                                    "send one of totp, recovery_code and webauthn"));
  }
  if (!*code && !webauthn) {
    return respond(
        problem_response(400, http::codes::kBadInput, "send totp, recovery_code or webauthn"));
  }
  auth::MfaLoginRequest login;
  login.mfa_token = fields->take("mfa_token");
  if (*code) {
    login.kind = (*code)->kind;
    login.code = std::move((*code)->code);
  } else {
    login.passkey = passkey_proof(ctx, std::move(*webauthn), ctx.request_context(req));
  }
  login.at.from = ctx.request_context(req);
  login.at.start_session =
      channel == LoginChannel::kBrowser && ctx.options().mode == WebMode::kSession;
  if (channel == LoginChannel::kBrowser) {
    const http::Cookies jar = http::parse_cookies(req.headers);
    if (auto s = jar.get(ctx.cookies().names().session))
      login.at.presented_session = std::string(*s);
  }
  const ApiContext* c = &ctx;
  const auth::RequestContext from = login.at.from;
  ctx.auth().login_mfa(std::move(login), [c, channel, from, respond](
                                             std::expected<auth::LoginResult, auth::Error> r) {
    answer_login(*c, channel, std::move(r), from, respond);
  });
}

}  // namespace

std::expected<std::optional<PresentedCode>, http::Response> presented_code(JsonFields& fields) {
  const bool totp = fields.has("totp");
  const bool recovery = fields.has("recovery_code");
  if (totp && recovery) {
    return std::unexpected(
        problem_response(400, http::codes::kBadInput, "send totp or recovery_code, not both"));
  }
  if (totp) {
    return PresentedCode{.kind = auth::CodeKind::kTotp,
                         .code = std::string(fields.get("totp").value_or(""))};
  }
  if (recovery) {
    return PresentedCode{.kind = auth::CodeKind::kRecoveryCode,
                         .code = std::string(fields.get("recovery_code").value_or(""))};
  }
  return std::optional<PresentedCode>();
}

void add_mfa_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "GET", "/auth/mfa",
                  [c](const Request& req) { return status(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/mfa/totp/enroll",
                  [c](const Request& req) { return enroll(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/mfa/totp/confirm",
                  [c](const Request& req) { return confirm(*c, req); });
  add_store_route(router, ctx.offload_pool(), "DELETE", "/auth/mfa/totp",
                  [c](const Request& req) { return remove(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/mfa/recovery-codes",
                  [c](const Request& req) { return regenerate(*c, req); });
  add_store_route_async(router, ctx.offload_pool(), "POST", "/auth/login/mfa",
                        [c](Request req, http::Responder respond) {
                          second_step(*c, LoginChannel::kBrowser, std::move(req), respond);
                        });
  add_store_route_async(router, ctx.offload_pool(), "POST", "/auth/token/mfa",
                        [c](Request req, http::Responder respond) {
                          second_step(*c, LoginChannel::kToken, std::move(req), respond);
                        });
}

}  // namespace tessera::api
