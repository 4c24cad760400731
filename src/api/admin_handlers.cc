#include "api/admin_handlers.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/query_params.h"
#include "api/store_routes.h"
#include "auth/audit.h"
#include "auth/users.h"

namespace tessera::api {
namespace {

using json = nlohmann::ordered_json;

std::expected<store::AuditQuery, http::Response> parse_query(std::string_view query) {
  auto fields = query_params(query);
  if (!fields) return std::unexpected(std::move(fields.error()));
  store::AuditQuery q{.limit = kDefaultPageLimit};
  for (const auto& [name, value] : *fields) {
    if (name == "limit") {
      auto limit = page_limit(value);
      if (!limit) return std::unexpected(std::move(limit.error()));
      q.limit = *limit;
    } else if (name == "before") {
      auto v = parse_int(value, 1, std::numeric_limits<std::int64_t>::max());
      if (!v) return std::unexpected(bad_param(name, "must be a positive event id"));
      q.before_id = *v;
    } else if (name == "user") {
      auto id = store::parse_uuid(value);
      if (!id) return std::unexpected(bad_param(name, "must be a user id (UUID)"));
      q.user_id = *id;
    } else if (name == "type") {
      if (!auth::valid_audit_type(value)) {
        return std::unexpected(bad_param(name, "must be an event type such as login.failure"));
      }
      q.type = value;
    } else {
      return std::unexpected(unknown_param());
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

// POST /admin/keys/rotate[?emergency=true] (see the header).
http::Response rotate_keys(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  bool emergency = false;
  if (req.query == "emergency=true") {
    emergency = true;
  } else if (!req.query.empty() && req.query != "emergency=false") {
    return problem_response(400, http::codes::kBadQuery,
                            "the only query parameter is emergency=true|false");
  }
  auto view = ctx.keyring().rotate(emergency);
  if (!view) return error_response(view.error());
  const std::string active = (*view)->signer ? (*view)->signer->kid() : "";
  (void)ctx.audit().record(auth::AuditType::kKeysRotated, ctx.clock().now_unix(),
                           ctx.audit_actor(req, a->user.id),
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

void add_admin_route(http::Router& router, const ApiContext& ctx, const char* method,
                     const char* path, AdminHandler handler) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), method, path,
                  [c, handler](const http::Request& req) { return handler(*c, req); });
}

void add_admin_routes(http::Router& router, const ApiContext& ctx) {
  add_admin_route(router, ctx, "GET", "/admin/audit", audit);
  add_admin_route(router, ctx, "POST", "/admin/keys/rotate", rotate_keys);
}

}  // namespace tessera::api
