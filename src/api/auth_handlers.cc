#include "api/auth_handlers.h"

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "http/cookies.h"

namespace tessera::api {
namespace {

using http::Request;
using http::Response;
using json = nlohmann::ordered_json;

constexpr std::array<JsonMember, 3> kLoginMembers = {
    JsonMember{"email"}, JsonMember{"password"},
    // SPEC.md allows a TOTP code; no account has TOTP yet, so it is accepted and unused.
    JsonMember{"totp", false}};
constexpr std::array<JsonMember, 2> kSignupMembers = {JsonMember{"email"}, JsonMember{"password"}};
constexpr std::array<JsonMember, 2> kPasswordMembers = {JsonMember{"current_password"},
                                                        JsonMember{"new_password"}};

// auth_service.h: a new and a taken email must look alike, so the body is one constant.
constexpr std::string_view kSignupBody =
    R"({"status":"accepted","detail":"If the email can be used, the account exists now: log in to continue."})";

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json user_json(const store::User& u) {
  return {{"id", store::to_uuid(u.id)}, {"email", u.email}, {"roles", u.roles}};
}

void add_cookies(Response& res, const std::vector<std::string>& cookies) {
  for (const std::string& c : cookies) res.headers.add("Set-Cookie", c);
}

// 401 from an endpoint that needs the session: the browser's cookies name nothing live, so
// they are cleared too (a 400 or 403 leaves them alone: a cross-site request must not be able
// to sign anyone out).
Response with_stale_cookies_cleared(Response res, const ApiContext& ctx) {
  if (res.status == 401) add_cookies(res, ctx.clearing_cookies());
  return res;
}

// POST /auth/signup (auth.open_signup). auth_service.h: 201 with the same body for a new and
// a taken email, never a cookie.
void signup(const ApiContext& ctx, Request req, http::Responder respond) {
  if (auto o = ctx.check_login_origin(req); !o) return respond(std::move(o.error()));
  auto fields = read_json_object(req, kSignupMembers);
  if (!fields) return respond(std::move(fields.error()));
  ctx.auth().signup(fields->take("email"), fields->take("password"), ctx.request_context(req),
                    [respond](std::expected<auth::Signup, auth::Error> r) {
                      if (!r) return respond(error_response(r.error()));
                      respond(http::make_response(201, std::string(kSignupBody)));
                    });
}

// POST /auth/login. SPEC.md "Browser delivery": a NEW session id at every login; the one the
// browser presented (maybe planted: fixation) is revoked, never adopted. SPEC.md "Identity":
// unknown email, wrong password and disabled user answer the same 401 body
// (kInvalidCredentials) after comparable work.
void login(const ApiContext& ctx, Request req, http::Responder respond) {
  if (auto o = ctx.check_login_origin(req); !o) return respond(std::move(o.error()));
  auto fields = read_json_object(req, kLoginMembers);
  if (!fields) return respond(std::move(fields.error()));
  auth::LoginRequest login;
  login.email = fields->take("email");
  login.password = fields->take("password");
  login.from = ctx.request_context(req);
  // A malformed Cookie header or a duplicated session cookie cannot block a login: whatever
  // it named is simply not carried over.
  if (auto jar = http::parse_cookies(req.headers)) {
    if (auto s = jar->get(kSessionCookieName)) login.presented_session = std::string(*s);
  }
  const ApiContext* c = &ctx;
  ctx.auth().login(std::move(login), [c, respond](std::expected<auth::LoginResult, auth::Error> r) {
    if (!r) {
      c->count_login_failure(r.error());
      return respond(error_response(r.error()));
    }
    c->count_login("success");
    if (!r->session) return respond(error_response(auth::make_error(auth::Errc::kInternal)));
    Response res = http::make_response(
        200, dump({{"user", user_json(r->user)}, {"csrf_token", r->session->csrf_token}}));
    add_cookies(res, c->session_cookies(*r->session));
    respond(std::move(res));
  });
}

// POST /auth/logout: ends the current session (SPEC.md "Revocation") and clears the cookies.
Response logout(const ApiContext& ctx, const Request& req) {
  auto a = ctx.authenticate(req);
  if (!a) return with_stale_cookies_cleared(std::move(a.error()), ctx);
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  if (auto r = ctx.auth().logout(a->raw_session_id, ctx.request_context(req)); !r) {
    // Gone in the meantime (another tab logged out): the outcome the client wanted.
    if (r.error().code != auth::Errc::kUnauthenticated) return error_response(r.error());
  } else {
    ctx.count_revocations("logout");
  }
  Response res = http::make_response(204, "", "");
  res.headers.erase("Content-Type");
  add_cookies(res, ctx.clearing_cookies());
  return res;
}

// POST /auth/logout-all: every session of the user, this one included (SPEC.md "Revocation").
Response logout_all(const ApiContext& ctx, const Request& req) {
  auto a = ctx.authenticate(req);
  if (!a) return with_stale_cookies_cleared(std::move(a.error()), ctx);
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto n = ctx.auth().logout_all(a->current, ctx.request_context(req));
  if (!n) return error_response(n.error());
  ctx.count_revocations("logout_all", *n);
  Response res = http::make_response(200, dump({{"sessions_revoked", *n}}));
  add_cookies(res, ctx.clearing_cookies());
  return res;
}

// GET /auth/me: the current user.
Response me(const ApiContext& ctx, const Request& req) {
  auto a = ctx.authenticate(req);
  if (!a) return with_stale_cookies_cleared(std::move(a.error()), ctx);
  const store::Session& s = a->current.session;
  return http::make_response(200, dump({{"user", user_json(a->current.user)},
                                        {"session",
                                         {{"id", a->current.public_id},
                                          {"created_at", s.created_at},
                                          {"auth_time", s.auth_time}}}}));
}

// GET /auth/sessions: the user's live sessions, by public id (sessions.h), newest first.
Response list_sessions(const ApiContext& ctx, const Request& req) {
  auto a = ctx.authenticate(req);
  if (!a) return with_stale_cookies_cleared(std::move(a.error()), ctx);
  auto list =
      ctx.sessions().list(a->current.user.id, ctx.clock().now_unix(), &a->current.session.id_hash);
  if (!list) return error_response(list.error());
  json rows = json::array();
  for (const auth::SessionInfo& s : *list) {
    rows.push_back({{"id", s.id},
                    {"created_at", s.created_at},
                    {"last_seen_at", s.last_seen_at},
                    {"ip", s.ip},
                    {"user_agent", s.user_agent},
                    {"current", s.current}});
  }
  return http::make_response(200, dump({{"sessions", std::move(rows)}}));
}

// DELETE /auth/sessions/{id}: revoke one of the caller's OWN sessions. Someone else's id and
// an unknown id are the same 404 (no probing of other users' sessions).
Response revoke_session(const ApiContext& ctx, const Request& req) {
  auto a = ctx.authenticate(req);
  if (!a) return with_stale_cookies_cleared(std::move(a.error()), ctx);
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  std::string_view id = req.path_param("id").value_or("");
  auto r = ctx.auth().revoke_session(a->current, id, ctx.request_context(req));
  if (!r) return error_response(r.error());
  ctx.count_revocations("session");
  Response res = http::make_response(204, "", "");
  res.headers.erase("Content-Type");
  if (id == a->current.public_id) add_cookies(res, ctx.clearing_cookies());
  return res;
}

// POST /auth/password: SPEC.md "HTTP API": {current_password, new_password}; revokes every
// other session (the current one stays). A wrong current password is the login's 401 body
// and counts against the login rate limit.
void change_password(const ApiContext& ctx, Request req, http::Responder respond) {
  auto a = ctx.authenticate(req);
  if (!a) return respond(with_stale_cookies_cleared(std::move(a.error()), ctx));
  auto fields = read_json_object(req, kPasswordMembers);
  if (!fields) return respond(std::move(fields.error()));
  const ApiContext* c = &ctx;
  ctx.auth().change_password(a->current, fields->take("current_password"),
                             fields->take("new_password"), ctx.request_context(req),
                             [c, respond](std::expected<std::size_t, auth::Error> r) {
                               if (!r) return respond(error_response(r.error()));
                               c->count_revocations("password_change", *r);
                               respond(http::make_response(200, dump({{"sessions_revoked", *r}})));
                             });
}

}  // namespace

void add_auth_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  router.add_async("POST", "/auth/signup", [c](Request req, http::Responder respond) {
    signup(*c, std::move(req), respond);
  });
  router.add_async("POST", "/auth/login", [c](Request req, http::Responder respond) {
    login(*c, std::move(req), respond);
  });
  router.add("POST", "/auth/logout", [c](const Request& req) { return logout(*c, req); });
  router.add("POST", "/auth/logout-all", [c](const Request& req) { return logout_all(*c, req); });
  router.add("GET", "/auth/me", [c](const Request& req) { return me(*c, req); });
  router.add("GET", "/auth/sessions", [c](const Request& req) { return list_sessions(*c, req); });
  router.add("DELETE", "/auth/sessions/{id}",
             [c](const Request& req) { return revoke_session(*c, req); });
  router.add_async("POST", "/auth/password", [c](Request req, http::Responder respond) {
    change_password(*c, std::move(req), respond);
  });
}

}  // namespace tessera::api
