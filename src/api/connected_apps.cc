#include "api/connected_apps.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/store_routes.h"

namespace tessera::api {
namespace {

using json = nlohmann::ordered_json;

http::Response list_apps(const ApiContext& ctx, const http::Request& req) {
  auto a = ctx.credentials().authenticate(req);
  if (!a) return std::move(a.error());
  auto grants = ctx.consents().list(a->user.id);
  if (!grants) return error_response(grants.error());
  json apps = json::array();
  for (const store::Consent& g : *grants) {
    auto client = ctx.clients().find(g.client_id);
    if (!client && client.error().code != auth::Errc::kNotFound) {
      return error_response(client.error());
    }
    apps.push_back({{"client_id", g.client_id},
                    {"name", client ? client->name : std::string()},
                    {"scope", g.scope},
                    {"created_at", g.created_at},
                    {"updated_at", g.updated_at}});
  }
  const json body = {{"apps", std::move(apps)}};
  return http::make_response(200, dump_json(body));
}

http::Response revoke_app(const ApiContext& ctx, const http::Request& req) {
  auto a = ctx.credentials().authenticate(req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  const std::string_view client_id = req.path_param("client_id").value_or("");
  // Client ids are printable ASCII (UUIDs); anything else names no grant, and never reaches a
  // store that would refuse it as text.
  if (client_id.empty() || client_id.size() > 255 ||
      !std::all_of(client_id.begin(), client_id.end(),
                   [](char c) { return c > 0x20 && c < 0x7f; })) {
    return error_response(auth::make_error(auth::Errc::kNotFound));
  }
  const auth::RequestContext rc = ctx.request_context(req);
  auto n = ctx.consents().revoke(
      a->user.id, client_id,
      auth::AuditActor{.user = a->user.id, .ip = rc.ip, .user_agent = rc.user_agent});
  if (!n) return error_response(n.error());
  ctx.count_revocations("consent", *n);
  return http::no_content();
}

}  // namespace

void add_connected_app_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  add_store_route(router, ctx.offload_pool(), "GET", "/auth/apps",
                  [c](const http::Request& req) { return list_apps(*c, req); });
  add_store_route(router, ctx.offload_pool(), "DELETE", "/auth/apps/{client_id}",
                  [c](const http::Request& req) { return revoke_app(*c, req); });
}

}  // namespace tessera::api
