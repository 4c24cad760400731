#include "api/admin_handlers.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/store_routes.h"
#include "auth/audit.h"
#include "auth/users.h"
#include "http/form.h"

namespace tessera::api {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kMaxLimit = 1000;

// A decimal integer in [min, max], digits only (no sign, no spaces, no leading '+').
std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t min, std::int64_t max) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s[0] == '-' || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

std::expected<store::AuditQuery, http::Response> parse_query(std::string_view query) {
  store::AuditQuery q;
  auto fields = http::parse_form(query);
  if (!fields) return std::unexpected(problem_response(400, "query: " + fields.error()));
  auto bad = [](std::string_view name, std::string_view why) {
    return std::unexpected(problem_response(400, std::string(name) + ": " + std::string(why)));
  };
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const auto& [name, value] = (*fields)[i];
    for (std::size_t j = 0; j < i; ++j) {
      if ((*fields)[j].first == name) return bad(name, "given more than once");
    }
    if (name == "limit") {
      auto v = parse_int(value, 1, kMaxLimit);
      if (!v) return bad(name, "must be an integer from 1 to 1000");
      q.limit = static_cast<std::size_t>(*v);
    } else if (name == "before") {
      auto v = parse_int(value, 1, std::numeric_limits<std::int64_t>::max());
      if (!v) return bad(name, "must be a positive event id");
      q.before_id = *v;
    } else if (name == "user") {
      auto id = store::parse_uuid(value);
      if (!id) return bad(name, "must be a user id (UUID)");
      q.user_id = *id;
    } else if (name == "type") {
      if (!auth::valid_audit_type(value)) {
        return bad(name, "must be an event type such as login.failure");
      }
      q.type = value;
    } else {
      return std::unexpected(problem_response(400, "unknown query parameter"));
    }
  }
  return q;
}

// GET /admin/audit (see the header).
http::Response audit(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto q = parse_query(req.query);
  if (!q) return std::move(q.error());
  auto events = ctx.audit().query(*q);
  if (!events) return error_response(events.error());
  json rows = json::array();
  for (const store::AuditEvent& e : *events) rows.push_back(auth::audit_event_json(e));
  json next =
      events->size() == q->limit && !events->empty() ? json(events->back().id) : json(nullptr);
  json body = {{"events", std::move(rows)}, {"next_before", std::move(next)}};
  return http::make_response(200, dump_json(body));
}

// POST /admin/users/{id}/revoke (SPEC.md "Revocation": admin revoke): every session, refresh
// family and access token of the user ends. 200 {"user", "sessions_revoked"}; 404 for an
// unknown user. An unsafe request: cookie callers pass the CSRF checks (authenticate()).
http::Response revoke_user(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto id = store::parse_uuid(req.path_param("id").value_or(""));
  if (!id) return problem_response(404, "no such user");
  const auth::RequestContext from = ctx.request_context(req);
  auto n = ctx.auth().revoke_user_sessions(
      *id, auth::AuditActor{.user = a->user.id, .ip = from.ip, .user_agent = from.user_agent});
  if (!n) return error_response(n.error());
  ctx.count_revocations("admin", *n);
  json body = {{"user", store::to_uuid(*id)}, {"sessions_revoked", *n}};
  return http::make_response(200, body.dump());
}

// DELETE /admin/users/{id}: the user and everything that is theirs (AuthService::delete_user).
// A sensitive action: recent authentication (admin_caller). 204; 404 for an unknown user.
http::Response delete_user(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto id = store::parse_uuid(req.path_param("id").value_or(""));
  if (!id) return problem_response(404, "no such user");
  if (*id == a->user.id) return problem_response(409, "an administrator cannot delete themselves");
  const auth::RequestContext from = ctx.request_context(req);
  auto r = ctx.auth().delete_user(
      *id, auth::AuditActor{.user = a->user.id, .ip = from.ip, .user_agent = from.user_agent});
  if (!r) return error_response(r.error());
  return http::no_content();
}

// POST /admin/keys/rotate[?emergency=true] (see the header).
http::Response rotate_keys(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  bool emergency = false;
  if (req.query == "emergency=true") {
    emergency = true;
  } else if (!req.query.empty() && req.query != "emergency=false") {
    return problem_response(400, "the only query parameter is emergency=true|false");
  }
  auto view = ctx.keyring().rotate(emergency);
  if (!view) return error_response(view.error());
  const std::string active = (*view)->signer ? (*view)->signer->kid() : "";
  const auth::RequestContext from = ctx.request_context(req);
  (void)ctx.audit().record(
      auth::AuditType::kKeysRotated, ctx.clock().now_unix(),
      auth::AuditActor{.user = a->user.id, .ip = from.ip, .user_agent = from.user_agent},
      {{"emergency", emergency}, {"active", active}, {"by", "admin"}});
  json keys = json::array();
  for (const auth::KeyInfo& k : ctx.keyring().list()) {
    keys.push_back({{"kid", k.kid}, {"alg", k.alg}, {"state", store::to_string(k.state)}});
  }
  json body = {{"emergency", emergency}, {"active", active}, {"keys", std::move(keys)}};
  return http::make_response(200, body.dump());
}

}  // namespace

std::expected<Authenticated, http::Response> admin_caller(const ApiContext& ctx,
                                                          const http::Request& req) {
  auto a = ctx.credentials().authenticate(req);
  if (!a) return a;                            // 401 (or 400 for a bad Cookie, 403 for CSRF)
  if (!auth::has_role(a->user, kAdminRole)) {  // 403: known, but not allowed
    return std::unexpected(
        error_response(auth::make_error(auth::Errc::kForbidden, "requires the admin role")));
  }
  // Every admin endpoint is a sensitive action: a recent authentication (RFC 9470 step-up).
  if (auto recent = ctx.credentials().require_recent(*a); !recent) {
    return std::unexpected(std::move(recent.error()));
  }
  return a;
}

void add_admin_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "GET", "/admin/audit",
                  [c](const http::Request& req) { return audit(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/admin/users/{id}/revoke",
                  [c](const http::Request& req) { return revoke_user(*c, req); });
  add_store_route(router, ctx.offload_pool(), "DELETE", "/admin/users/{id}",
                  [c](const http::Request& req) { return delete_user(*c, req); });
  add_store_route(router, ctx.offload_pool(), "POST", "/admin/keys/rotate",
                  [c](const http::Request& req) { return rotate_keys(*c, req); });
}

}  // namespace tessera::api
