#include "api/account_handlers.h"

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/store_routes.h"

namespace tessera::api {
namespace {

using http::Request;
using http::Response;
using json = nlohmann::ordered_json;

constexpr std::array<JsonMember, 1> kForgotMembers = {JsonMember{"email"}};
constexpr std::array<JsonMember, 2> kResetMembers = {JsonMember{"token"},
                                                     JsonMember{"new_password"}};
constexpr std::array<JsonMember, 1> kVerifyMembers = {JsonMember{"token"}};
constexpr std::array<JsonMember, 1> kChangeMembers = {JsonMember{"new_email"}};

// account_lifecycle.h: a known and an unknown address must look alike, so the body is one
// constant.
constexpr std::string_view kForgotBody =
    R"({"status":"accepted","detail":"If an account uses this address, a link to choose a new password is on its way."})";
constexpr std::string_view kResetBody =
    R"({"status":"password_changed","detail":"Your password was changed and every device was signed out. Sign in with the new password."})";
constexpr std::string_view kChangeBody =
    R"({"status":"accepted","detail":"Open the link we sent to the new address to make it your sign-in address."})";
constexpr std::string_view kResendBody =
    R"({"status":"accepted","detail":"A new confirmation link is on its way."})";

Response no_store(Response res) {
  res.headers.set("Cache-Control", "no-store");
  return res;
}

// POST /auth/password/forgot {email}: 202 always for a well-formed address (no enumeration).
Response forgot(const ApiContext& ctx, const Request& req) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return std::move(o.error());
  auto fields = read_json_object(req, kForgotMembers);
  if (!fields) return std::move(fields.error());
  auto r = ctx.lifecycle().forgot_password(fields->take("email"), ctx.request_context(req));
  if (!r) return error_response(r.error());
  return no_store(http::make_response(202, std::string(kForgotBody)));
}

// POST /auth/password/reset {token, new_password}.
void reset(const ApiContext& ctx, Request req, http::Responder respond) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return respond(std::move(o.error()));
  auto fields = read_json_object(req, kResetMembers);
  if (!fields) return respond(std::move(fields.error()));
  ctx.lifecycle().reset_password(
      fields->take("token"), fields->take("new_password"), ctx.request_context(req),
      [respond](std::expected<store::User, auth::Error> r) {
        if (!r) return respond(error_response(r.error()));
        respond(no_store(http::make_response(200, std::string(kResetBody))));
      });
}

// POST /auth/email/verify {token}.
Response verify(const ApiContext& ctx, const Request& req) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return std::move(o.error());
  auto fields = read_json_object(req, kVerifyMembers);
  if (!fields) return std::move(fields.error());
  auto user = ctx.lifecycle().verify_email(fields->take("token"), ctx.request_context(req));
  if (!user) return error_response(user.error());
  return no_store(http::make_response(
      200, dump_json(json{{"email_verified", user->email_verified}, {"email", user->email}})));
}

// POST /auth/email/resend (signed in).
Response resend(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto r = ctx.lifecycle().resend_verification(a->user, ctx.request_context(req));
  if (!r) return error_response(r.error());
  return no_store(http::make_response(202, std::string(kResendBody)));
}

// POST /auth/email/change {new_email} (signed in recently): a link to the new address.
Response change_email(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req);
  if (!a) return std::move(a.error());
  auto fields = read_json_object(req, kChangeMembers);
  if (!fields) return std::move(fields.error());
  auto r = ctx.lifecycle().request_email_change(a->user, fields->take("new_email"),
                                                ctx.request_context(req));
  if (!r) return error_response(r.error());
  return no_store(http::make_response(202, std::string(kChangeBody)));
}

// POST /auth/email/change/confirm {token}: the link's token.
Response confirm_email_change(const ApiContext& ctx, const Request& req) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return std::move(o.error());
  auto fields = read_json_object(req, kVerifyMembers);
  if (!fields) return std::move(fields.error());
  auto user = ctx.lifecycle().confirm_email_change(fields->take("token"), ctx.request_context(req));
  if (!user) return error_response(user.error());
  return no_store(http::make_response(
      200, dump_json(json{{"email", user->email}, {"email_verified", user->email_verified}})));
}

}  // namespace

void add_account_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/password/forgot",
                  [c](const Request& req) { return forgot(*c, req); });
  add_store_route_async(
      router, ctx.offload_pool(), "POST", "/auth/password/reset",
      [c](Request req, http::Responder respond) { reset(*c, std::move(req), respond); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/email/verify",
                  [c](const Request& req) { return verify(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/email/resend",
                  [c](const Request& req) { return resend(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/email/change",
                  [c](const Request& req) { return change_email(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/email/change/confirm",
                  [c](const Request& req) { return confirm_email_change(*c, req); });
}

}  // namespace tessera::api
