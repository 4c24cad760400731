#include "api/verify_handler.h"

#include <string>

#include "api/error_mapping.h"
#include "http/cookies.h"

namespace tessera::api {
namespace {

http::Response unauthenticated() {
  return error_response(auth::make_error(auth::Errc::kUnauthenticated));
}

}  // namespace

http::Response verify(const ApiContext& ctx, const http::Request& req) {
  auto jar = http::parse_cookies(req.headers);
  if (!jar) return unauthenticated();
  http::CookieLookup cookie = jar->find(kSessionCookieName);
  if (cookie.state != http::CookieLookup::kPresent) return unauthenticated();
  auto current = ctx.sessions().authenticate_shared(cookie.value, ctx.clock().now_unix());
  if (!current) {
    // Only the two outcomes a proxy understands: 401, or 5xx when the answer is unknown.
    if (current.error().code == auth::Errc::kUnauthenticated) return unauthenticated();
    return error_response(current.error());
  }
  std::string roles;
  for (const std::string& r : (*current)->user.roles) {
    if (!roles.empty()) roles += ',';
    roles += r;
  }
  http::Response res;
  res.status = 200;
  res.headers.set("X-User-Id", store::to_uuid((*current)->user.id));
  res.headers.set("X-User-Roles", std::move(roles));
  res.headers.set("X-Session-Id", (*current)->public_id);
  return res;
}

void add_verify_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  auto handler = [c](const http::Request& req) { return verify(*c, req); };
  router.add("GET", "/auth/verify", handler);
  router.add("POST", "/auth/verify", handler);
}

}  // namespace tessera::api
