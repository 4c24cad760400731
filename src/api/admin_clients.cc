#include "api/admin_clients.h"

#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "api/admin_handlers.h"
#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "auth/clients.h"

namespace tessera::api {
namespace {

using json = nlohmann::ordered_json;

constexpr std::array<JsonMember, 9> kClientMembers = {
    JsonMember{"name"},
    JsonMember{"type"},
    JsonMember{"token_endpoint_auth_method", false},
    JsonMember{"redirect_uris", false, JsonKind::kStrings},
    JsonMember{"post_logout_redirect_uris", false, JsonKind::kStrings},
    JsonMember{"grant_types", false, JsonKind::kStrings},
    JsonMember{"scopes", false, JsonKind::kStrings},
    JsonMember{"first_party", false, JsonKind::kBool},
    JsonMember{"jwks", false},
};

http::Response json_response(int status, const json& body) {
  return http::make_response(status, dump_json(body));
}

// A response carrying a client secret: never stored by a cache (RFC 9111 section 5.2.2.5).
http::Response secret_response(int status, const json& body) {
  http::Response res = json_response(status, body);
  res.headers.set("Cache-Control", "no-store");
  return res;
}

// GET /admin/clients
http::Response list(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto all = ctx.clients().list();
  if (!all) return error_response(all.error());
  json rows = json::array();
  for (const store::Client& c : *all) rows.push_back(auth::client_json(c));
  return json_response(200, {{"clients", std::move(rows)}});
}

// POST /admin/clients
http::Response add(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto fields = read_json_object(req, kClientMembers);
  if (!fields) return std::move(fields.error());
  auth::ClientSpec spec;
  spec.name = fields->take("name");
  auto type = store::parse_client_type(fields->take("type"));
  if (!type) return problem_response(400, http::codes::kBadInput, "type: public or confidential");
  spec.type = *type;
  if (auto m = fields->get("token_endpoint_auth_method")) {
    spec.auth_method = store::parse_client_auth_method(*m);
    if (!spec.auth_method) {
      return problem_response(400, http::codes::kBadInput,
                              "token_endpoint_auth_method: none, client_secret_basic, "
                              "client_secret_post or private_key_jwt");
    }
  }
  spec.redirect_uris = fields->take_list("redirect_uris");
  spec.post_logout_redirect_uris = fields->take_list("post_logout_redirect_uris");
  spec.grant_types = fields->take_list("grant_types");
  spec.scopes = fields->take_list("scopes");
  spec.first_party = fields->flag("first_party").value_or(false);
  if (auto jwks = fields->get("jwks")) spec.jwks = std::string(*jwks);
  auto added = ctx.clients().add(std::move(spec), ctx.audit_actor(req, a->user.id));
  if (!added) return error_response(added.error());
  json body = auth::client_json(added->client);
  if (!added->secret.empty()) body["client_secret"] = added->secret;
  return secret_response(201, body);
}

// GET /admin/clients/{id}
http::Response show(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  auto c = ctx.clients().find(req.path_param("id").value_or(""));
  if (!c) return error_response(c.error());
  return json_response(200, auth::client_json(*c));
}

// DELETE /admin/clients/{id}
http::Response remove(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto r =
      ctx.clients().remove(req.path_param("id").value_or(""), ctx.audit_actor(req, a->user.id));
  if (!r) return error_response(r.error());
  http::Response res;
  res.status = 204;
  return res;
}

// POST /admin/clients/{id}/secret
http::Response rotate_secret(const ApiContext& ctx, const http::Request& req) {
  auto a = admin_caller(ctx, req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  const std::string id(req.path_param("id").value_or(""));
  auto secret = ctx.clients().rotate_secret(id, ctx.audit_actor(req, a->user.id));
  if (!secret) return error_response(secret.error());
  return secret_response(200, {{"client_id", id}, {"client_secret", *secret}});
}

}  // namespace

void add_admin_client_routes(http::Router& router, const ApiContext& ctx) {
  auto route = [&](const char* method, const char* path, AdminHandler handler) {
    add_admin_route(router, ctx, method, path, handler);
  };
  route("GET", "/admin/clients", list);
  route("POST", "/admin/clients", add);
  route("GET", "/admin/clients/{id}", show);
  route("DELETE", "/admin/clients/{id}", remove);
  route("POST", "/admin/clients/{id}/secret", rotate_secret);
}

}  // namespace tessera::api
