#include "api/admin_users.h"

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "api/admin_handlers.h"
#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/query_params.h"
#include "api/user_json.h"

namespace tessera::api {
namespace {

using json = nlohmann::ordered_json;

constexpr std::array<JsonMember, 1> kRolesMembers = {
    JsonMember{"roles", true, JsonKind::kStrings},
};

http::Response json_response(int status, const json& body) {
  return http::make_response(status, dump_json(body));
}

// The cursor of the page after `u`: "<created_at>.<uuid>". Opaque to clients (the header);
// parse_cursor reads it back.
std::string cursor_after(const store::User& u) {
  return std::to_string(u.created_at) + "." + store::to_uuid(u.id);
}

std::optional<store::UserListPosition> parse_cursor(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto at = parse_int(text.substr(0, dot), 0, std::numeric_limits<std::int64_t>::max());
  auto id = store::parse_uuid(text.substr(dot + 1));
  if (!at || !id) return std::nullopt;
  return store::UserListPosition{.created_at = *at, .id = *id};
}

std::expected<store::UserListQuery, http::Response> parse_list_query(std::string_view query) {
  auto fields = query_params(query);
  if (!fields) return std::unexpected(std::move(fields.error()));
  store::UserListQuery q{.limit = kDefaultPageLimit};
  for (const auto& [name, value] : *fields) {
    if (name == "limit") {
      auto limit = page_limit(value);
      if (!limit) return std::unexpected(std::move(limit.error()));
      q.limit = *limit;
    } else if (name == "after") {
      q.after = parse_cursor(value);
      if (!q.after) return std::unexpected(bad_param(name, "must be a cursor from `next`"));
    } else if (name == "q") {
      q.email_contains = value;
    } else {
      return std::unexpected(unknown_param());
    }
  }
  return q;
}

// The user the path's {id} names: 404 for a malformed id (an unknown one is the service's).
std::expected<store::UserId, http::Response> path_user(const http::Request& req) {
  auto id = store::parse_uuid(req.path_param("id").value_or(""));
  if (!id) return std::unexpected(problem_response(404, http::codes::kNotFound, "no such user"));
  return *id;
}

// The user as stored now, with their second factors (user_detail_json); the error is the
// response.
std::expected<json, http::Response> user_detail(const ApiContext& ctx, const store::UserId& id) {
  auto user = ctx.auth().user(id);
  if (!user) return std::unexpected(error_response(user.error()));
  auto factors = ctx.second_factors().status(id);
  if (!factors) return std::unexpected(error_response(factors.error()));
  return user_detail_json(*user, *factors);
}

http::Response detail_response(const ApiContext& ctx, const store::UserId& id) {
  auto body = user_detail(ctx, id);
  if (!body) return std::move(body.error());
  return json_response(200, *body);
}

// The admin caller and the path's user, for the routes that change a user and take no body
// (check_empty_body; the CSRF checks are admin_caller's). The error is the response.
struct Target {
  Authenticated caller;
  store::UserId id;
};
std::expected<Target, http::Response> change_target(const ApiContext& ctx,
                                                    const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::unexpected(std::move(a.error()));
  if (auto body = check_empty_body(req); !body) return std::unexpected(std::move(body.error()));
  auto id = path_user(req);
  if (!id) return std::unexpected(std::move(id.error()));
  return Target{.caller = std::move(*a), .id = *id};
}

// GET /admin/users (see the header).
http::Response list(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto q = parse_list_query(req.query);
  if (!q) return std::move(q.error());
  const std::size_t limit = q->limit;
  auto users = ctx.auth().list_users(std::move(*q));
  if (!users) {
    // The one input the service judges: a search no email can hold.
    if (users.error().code == auth::Errc::kBadInput) return bad_param("q", users.error().detail);
    return error_response(users.error());
  }
  json rows = json::array();
  for (const store::User& u : *users) rows.push_back(user_summary_json(u));
  json next = users->size() == limit ? json(cursor_after(users->back())) : json(nullptr);
  return json_response(200, {{"users", std::move(rows)}, {"next", std::move(next)}});
}

// GET /admin/users/{id}: the user (user_detail_json).
http::Response show(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto id = path_user(req);
  if (!id) return std::move(id.error());
  return detail_response(ctx, *id);
}

// PUT /admin/users/{id}/roles {"roles": [...]}: AuthService::set_roles (its rules: 400; 404);
// 409 before anything changes when the caller would take `admin` from themselves (no
// administrator could then give it back but through the CLI). 200 the user.
http::Response set_roles(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto id = path_user(req);
  if (!id) return std::move(id.error());
  auto fields = read_json_object(req, kRolesMembers);
  if (!fields) return std::move(fields.error());
  std::vector<std::string> roles = fields->take_list("roles");
  if (*id == a->user.id && std::ranges::find(roles, kAdminRole) == roles.end()) {
    return problem_response(409, http::codes::kConflict,
                            "an administrator cannot take the admin role from themselves");
  }
  auto set = ctx.auth().set_roles(*id, std::move(roles), ctx.audit_actor(req, a->user.id));
  if (!set) return error_response(set.error());
  return detail_response(ctx, *id);
}

// POST /admin/users/{id}/disable: AuthService::disable_user (every credential of theirs ends);
// 409 for the caller's own account. 200 the user plus "sessions_revoked".
http::Response disable(const ApiContext& ctx, const http::Request& req) {
  auto t = change_target(ctx, req);
  if (!t) return std::move(t.error());
  if (t->id == t->caller.user.id) {
    return problem_response(409, http::codes::kConflict,
                            "an administrator cannot disable themselves");
  }
  auto n = ctx.auth().disable_user(t->id, ctx.audit_actor(req, t->caller.user.id));
  if (!n) return error_response(n.error());
  ctx.count_revocations("user_disabled", *n);
  auto body = user_detail(ctx, t->id);
  if (!body) return std::move(body.error());
  (*body)["sessions_revoked"] = *n;
  return json_response(200, *body);
}

// POST /admin/users/{id}/enable: AuthService::enable_user. 200 the user.
http::Response enable(const ApiContext& ctx, const http::Request& req) {
  auto t = change_target(ctx, req);
  if (!t) return std::move(t.error());
  auto r = ctx.auth().enable_user(t->id, ctx.audit_actor(req, t->caller.user.id));
  if (!r) return error_response(r.error());
  return detail_response(ctx, t->id);
}

// POST /admin/users/{id}/reset-password: AccountLifecycle::mail_reset_link, its errors through
// the one mapping (kNotConfigured 503, kForbidden 403 for a disabled user). 202 {}.
http::Response reset_password(const ApiContext& ctx, const http::Request& req) {
  auto t = change_target(ctx, req);
  if (!t) return std::move(t.error());
  auto user = ctx.auth().user(t->id);
  if (!user) return error_response(user.error());
  auto mailed = ctx.lifecycle().mail_reset_link(*user, ctx.audit_actor(req, t->caller.user.id));
  if (!mailed) return error_response(mailed.error());
  return json_response(202, json::object());
}

// POST /admin/users/{id}/revoke (SPEC.md "Revocation": admin revoke): every session, refresh
// family and access token of the user ends. 200 {"user", "sessions_revoked"}.
http::Response revoke(const ApiContext& ctx, const http::Request& req) {
  auto t = change_target(ctx, req);
  if (!t) return std::move(t.error());
  auto n = ctx.auth().revoke_user_sessions(t->id, ctx.audit_actor(req, t->caller.user.id));
  if (!n) return error_response(n.error());
  ctx.count_revocations("admin", *n);
  return json_response(200, {{"user", store::to_uuid(t->id)}, {"sessions_revoked", *n}});
}

// DELETE /admin/users/{id}: the user and everything that is theirs (AuthService::delete_user);
// 409 for the caller's own account. 204.
http::Response remove(const ApiContext& ctx, const http::Request& req) {
  auto t = change_target(ctx, req);
  if (!t) return std::move(t.error());
  if (t->id == t->caller.user.id) {
    return problem_response(409, http::codes::kConflict,
                            "an administrator cannot delete themselves");
  }
  auto r = ctx.auth().delete_user(t->id, ctx.audit_actor(req, t->caller.user.id));
  if (!r) return error_response(r.error());
  return http::no_content();
}

}  // namespace

void add_admin_user_routes(http::Router& router, const ApiContext& ctx) {
  auto route = [&](const char* method, const char* path, AdminHandler handler) {
    add_admin_route(router, ctx, method, path, handler);
  };
  route("GET", "/admin/users", list);
  route("GET", "/admin/users/{id}", show);
  route("PUT", "/admin/users/{id}/roles", set_roles);
  route("POST", "/admin/users/{id}/disable", disable);
  route("POST", "/admin/users/{id}/enable", enable);
  route("POST", "/admin/users/{id}/reset-password", reset_password);
  route("POST", "/admin/users/{id}/revoke", revoke);
  route("DELETE", "/admin/users/{id}", remove);
}

}  // namespace tessera::api
