#include "api/auth_handlers.h"

#include <algorithm>
#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/login_answer.h"
#include "api/mfa_handlers.h"
#include "api/store_routes.h"
#include "api/token_handlers.h"
#include "http/cookies.h"

namespace tessera::api {
namespace {

using http::no_content;
using http::Request;
using http::Response;
using json = nlohmann::ordered_json;

constexpr std::array<JsonMember, 3> kLoginMembers = {
    JsonMember{"email"}, JsonMember{"password"},
    // SPEC.md: the one-call form with TOTP (auth_service.h).
    JsonMember{"totp", false}};
constexpr std::array<JsonMember, 2> kSignupMembers = {JsonMember{"email"}, JsonMember{"password"}};
constexpr std::array<JsonMember, 2> kPasswordMembers = {JsonMember{"current_password"},
                                                        JsonMember{"new_password"}};
constexpr std::array<JsonMember, 3> kStepUpMembers = {
    JsonMember{"password"}, JsonMember{"totp", false}, JsonMember{"recovery_code", false}};

// auth_service.h: a new and a taken email must look alike, so the body is one constant.
constexpr std::string_view kSignupBody =
    R"({"status":"accepted","detail":"If the email can be used, the account exists now: log in to continue."})";

// POST /auth/signup (auth.open_signup). auth_service.h: 201 with the same body for a new and
// a taken email, never a cookie.
void signup(const ApiContext& ctx, Request req, http::Responder respond) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return respond(std::move(o.error()));
  auto fields = read_json_object(req, kSignupMembers);
  if (!fields) return respond(std::move(fields.error()));
  ctx.auth().signup(fields->take("email"), fields->take("password"), ctx.request_context(req),
                    [respond](std::expected<auth::Signup, auth::Error> r) {
                      if (!r) return respond(error_response(r.error()));
                      respond(http::make_response(201, std::string(kSignupBody)));
                    });
}

// POST /auth/login {email, password[, totp]}. SPEC.md "Browser delivery": a NEW credential at
// every login (api/login_answer.h; 401 mfa_required when a second factor must follow). In
// web.mode = "session" the session id the browser presented (maybe planted: fixation) is
// revoked, never adopted; in web.mode = "jwt" a new refresh family starts and the browser gets
// the access, refresh and CSRF cookies. SPEC.md "Identity": unknown email, wrong password and
// disabled user answer the same 401 body (kInvalidCredentials) after comparable work.
void login(const ApiContext& ctx, Request req, http::Responder respond) {
  if (auto o = ctx.csrf().check_login_origin(req); !o) return respond(std::move(o.error()));
  auto fields = read_json_object(req, kLoginMembers);
  if (!fields) return respond(std::move(fields.error()));
  auth::LoginRequest login;
  login.email = fields->take("email");
  login.password = fields->take("password");
  login.from = ctx.request_context(req);
  login.start_session = ctx.options().mode == WebMode::kSession;
  // A duplicated or invalid session cookie cannot block a login: whatever it named is simply
  // not carried over.
  const http::Cookies jar = http::parse_cookies(req.headers);
  if (auto s = jar.get(ctx.cookies().names().session)) login.presented_session = std::string(*s);
  login.totp = std::string(fields->get("totp").value_or(""));
  const ApiContext* c = &ctx;
  auto from = login.from;
  ctx.auth().login(std::move(login),
                   [c, from, respond](std::expected<auth::LoginResult, auth::Error> r) {
                     answer_login(*c, LoginChannel::kBrowser, std::move(r), from, respond);
                   });
}

// POST /auth/logout: ends the current session, or the access token's family with its jti
// denied until it expires (SPEC.md "Revocation"), and clears the cookies.
Response logout(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  const auth::RequestContext from = ctx.request_context(req);
  auto r = a->session ? ctx.auth().logout(a->raw_session_id, from)
                      : ctx.auth().logout_token(*a->access, from);
  if (!r) {
    // Gone in the meantime (another tab logged out): the outcome the client wanted.
    if (r.error().code != auth::Errc::kUnauthenticated) return error_response(r.error());
  } else {
    ctx.count_revocations("logout");
  }
  Response res = no_content();
  add_set_cookies(res, ctx.cookies().clearing_cookies(a->method));
  return res;
}

// POST /auth/logout-all: every session and family of the user, this one included (SPEC.md
// "Revocation"); every access token issued so far stops working.
Response logout_all(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req);  // a sensitive action
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto n = ctx.auth().logout_all(a->user, ctx.request_context(req));
  if (!n) return error_response(n.error());
  ctx.count_revocations("logout_all", *n);
  Response res = http::make_response(200, dump_json(json{{"sessions_revoked", *n}}));
  add_set_cookies(res, ctx.cookies().clearing_cookies(a->method));
  return res;
}

// GET /auth/me: the current user, and the session or token family the request came with.
// The body is written directly (api/json_text.h): this is the one JSON answer on a hot path.
// {"user":{"id","email","roles"},"session":{"id","type",("created_at"),"auth_time","amr","acr",
// ("expires_at")},("identities":[...])}, in that order: amr and acr say how the user authenticated
// (RFC 8176, and the level auth/auth_context.h derives from them).
Response me(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  std::string body;
  body.reserve(256);
  body += R"({"user":{"id":")";
  body += store::to_uuid(a->user.id);
  body += R"(","email":)";
  append_json_string(body, a->user.email);
  body += a->user.email_verified ? R"(,"email_verified":true)" : R"(,"email_verified":false)";
  body += R"(,"roles":)";
  append_json_strings(body, a->user.roles);
  body += R"(},"session":{"id":)";
  append_json_string(body, a->sid);
  const auto number = [&body](std::string_view name, std::int64_t v) {
    body += ",\"";
    body += name;
    body += "\":";
    body += std::to_string(v);
  };
  const auth::Authentication authn = a->authentication();
  const auto methods = [&] {
    number("auth_time", authn.time);
    body += R"(,"amr":)";
    append_json_strings(body, authn.methods.values());
    body += R"(,"acr":)";
    append_json_string(body, authn.methods.acr());
  };
  if (a->session) {
    body += R"(,"type":"session")";
    number("created_at", a->session->session.created_at);
    methods();
  } else {
    body += R"(,"type":"token")";
    methods();
    number("expires_at", a->access->expires_at);
  }
  body += '}';
  // With federated sign-in configured: the user's linked identities (SPEC.md "Federated
  // sign-in"), [{"issuer","sub","provider","linked_at"}].
  if (auth::federation::FederationService* federation = ctx.federation()) {
    auto linked = federation->identities(a->user.id);
    if (!linked) return error_response(linked.error().auth);
    body += R"(,"identities":[)";
    bool first = true;
    for (const auto& l : *linked) {
      if (!first) body += ',';
      first = false;
      body += R"({"issuer":)";
      append_json_string(body, l.identity.issuer);
      body += R"(,"sub":)";
      append_json_string(body, l.identity.sub);
      body += R"(,"provider":)";
      append_json_string(body, l.provider);
      body += R"(,"name":)";
      append_json_string(body, l.name);
      number("linked_at", l.identity.linked_at);
      body += '}';
    }
    body += ']';
  }
  body += '}';
  return http::make_response(200, std::move(body));
}

// GET /auth/sessions: the user's live sessions and refresh families (SPEC.md "HTTP API"), by
// public id / sid, newest first; `current` marks the one this request came with.
Response list_sessions(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req);
  if (!a) return std::move(a.error());
  auto list = ctx.sessions().list(a->user.id, ctx.clock().now_unix(),
                                  a->session ? &a->session->session.id_hash : nullptr);
  if (!list) return error_response(list.error());
  auto families = ctx.families().families(a->user.id);
  if (!families) return error_response(families.error());
  struct Row {
    std::int64_t created_at;
    json body;
  };
  std::vector<Row> rows;
  for (const auth::SessionInfo& s : *list) {
    rows.push_back({s.created_at,
                    {{"id", s.id},
                     {"type", "session"},
                     {"created_at", s.created_at},
                     {"last_seen_at", s.last_seen_at},
                     {"ip", s.ip},
                     {"user_agent", s.user_agent},
                     {"current", s.current}}});
  }
  for (const store::RefreshFamily& f : *families) {
    const std::string sid = auth::RefreshFamilies::sid_of(f.id);
    const bool current = !a->session && sid == a->sid;
    rows.push_back({f.created_at,
                    {{"id", sid},
                     {"type", "token"},
                     {"created_at", f.created_at},
                     {"last_seen_at", f.last_used_at},
                     {"ip", f.ip},
                     {"user_agent", f.user_agent},
                     {"current", current}}});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& x, const Row& y) { return x.created_at > y.created_at; });
  json out = json::array();
  for (Row& r : rows) out.push_back(std::move(r.body));
  return http::make_response(200, dump_json(json{{"sessions", std::move(out)}}));
}

// DELETE /auth/sessions/{id}: revoke one of the caller's OWN sessions or families. Someone
// else's id and an unknown id are the same 404 (no probing of other users' sessions).
Response revoke_session(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  std::string_view id = req.path_param("id").value_or("");
  auto r = ctx.auth().revoke_session(a->user, id, ctx.request_context(req));
  if (!r) return error_response(r.error());
  ctx.count_revocations("session");
  Response res = no_content();
  if (id == a->sid) add_set_cookies(res, ctx.cookies().clearing_cookies(a->method));
  return res;
}

// POST /auth/password: SPEC.md "HTTP API": {current_password, new_password}; revokes every
// other session. A session caller's session is renewed (SPEC.md "Browser delivery": a new id
// at every password change; OWASP renews the id on password change): new session and CSRF
// cookies, the old id dead. A token caller's family dies with all
// the others (the per-user not-before cannot spare one token), so it gets a new pair: cookies
// for an access-cookie caller, JSON (as from /auth/token) for a Bearer caller. A wrong current
// password is the login's 401 body and counts against the login rate limit.
void change_password(const ApiContext& ctx, Request req, http::Responder respond) {
  auto a = ctx.credentials().authenticate_recent(req);  // a sensitive action
  if (!a) return respond(std::move(a.error()));
  auto fields = read_json_object(req, kPasswordMembers);
  if (!fields) return respond(std::move(fields.error()));
  const ApiContext* c = &ctx;
  std::optional<store::Session> renew;
  if (a->session) renew = a->session->session;
  const AuthMethod method = a->method;
  const auth::RequestContext from = ctx.request_context(req);
  ctx.auth().change_password(
      a->user, std::move(renew), fields->take("current_password"), fields->take("new_password"),
      from,
      [c, method, from, respond](std::expected<auth::AuthService::PasswordChanged, auth::Error> r) {
        if (!r) return respond(error_response(r.error()));
        c->count_revocations("password_change", r->revoked);
        json body = {{"sessions_revoked", r->revoked}};
        if (method == AuthMethod::kSessionCookie) {
          return respond(new_credential(*c, method, std::move(body),
                                        r->session ? &*r->session : nullptr, nullptr));
        }
        auto pair = c->families().start(r->user, from.ip, from.user_agent);
        if (!pair) return respond(error_response(pair.error()));
        respond(new_credential(*c, method, std::move(body), nullptr, &*pair));
      });
}

// POST /auth/step-up {password[, totp | recovery_code]}: RFC 9470 step-up (SPEC.md "Second factors
// and step-up"). The caller proves the password again (rate limited and audited like a login: the
// same 401 body for a wrong password); the answer carries the renewed authentication, `auth_time`
// and `amr`, and a NEW credential: a session caller's session is replaced (new session and CSRF
// cookies); a token caller's token is denied and its family ended, and a new family starts (cookies
// for an access-cookie caller, the /auth/token JSON for a Bearer caller).
void step_up(const ApiContext& ctx, Request req, http::Responder respond) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return respond(std::move(a.error()));
  auto fields = read_json_object(req, kStepUpMembers);
  if (!fields) return respond(std::move(fields.error()));
  auth::AuthService::StepUpProof proof{.password = fields->take("password")};
  auto code = presented_code(*fields);
  if (!code) return respond(std::move(code.error()));
  if (*code) {
    proof.kind = (*code)->kind;
    proof.code = std::move((*code)->code);
  }
  const ApiContext* c = &ctx;
  std::optional<store::Session> renew;
  if (a->session) renew = a->session->session;
  const AuthMethod method = a->method;
  ctx.auth().step_up(
      a->user, std::move(renew), a->session ? nullptr : a->access, std::move(proof),
      ctx.request_context(req),
      [c, method, respond](std::expected<auth::AuthService::SteppedUp, auth::Error> r) {
        if (!r) return respond(error_response(r.error()));
        json body = {{"user", user_json(r->user)},
                     {"auth_time", r->authentication.time},
                     {"amr", r->authentication.methods.values()},
                     {"acr", r->authentication.methods.acr()}};
        respond(new_credential(*c, method, std::move(body), r->session ? &*r->session : nullptr,
                               r->tokens ? &*r->tokens : nullptr));
      });
}

}  // namespace

void add_auth_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  // Every route here reads or writes the stores (api/store_routes.h).
  add_store_route_async(
      router, ctx.offload_pool(), "POST", "/auth/signup",
      [c](Request req, http::Responder respond) { signup(*c, std::move(req), respond); });
  add_store_route_async(
      router, ctx.offload_pool(), "POST", "/auth/login",
      [c](Request req, http::Responder respond) { login(*c, std::move(req), respond); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/logout",
                  [c](const Request& req) { return logout(*c, req); });
  add_store_route_async(
      router, ctx.offload_pool(), "POST", "/auth/step-up",
      [c](Request req, http::Responder respond) { step_up(*c, std::move(req), respond); });
  add_store_route(router, ctx.offload_pool(), "POST", "/auth/logout-all",
                  [c](const Request& req) { return logout_all(*c, req); });
  add_store_route(router, ctx.offload_pool(), "GET", "/auth/me",
                  [c](const Request& req) { return me(*c, req); });
  add_store_route(router, ctx.offload_pool(), "GET", "/auth/sessions",
                  [c](const Request& req) { return list_sessions(*c, req); });
  add_store_route(router, ctx.offload_pool(), "DELETE", "/auth/sessions/{id}",
                  [c](const Request& req) { return revoke_session(*c, req); });
  add_store_route_async(
      router, ctx.offload_pool(), "POST", "/auth/password",
      [c](Request req, http::Responder respond) { change_password(*c, std::move(req), respond); });
}

}  // namespace tessera::api
