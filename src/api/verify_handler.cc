#include "api/verify_handler.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "api/error_mapping.h"
#include "api/store_routes.h"
#include "http/cookies.h"

namespace tessera::api {
namespace {

http::Response unauthenticated() {
  return error_response(auth::make_error(auth::Errc::kUnauthenticated));
}

// Joined for X-User-Roles.
std::string join_roles(const std::vector<std::string>& roles) {
  std::string out;
  for (const std::string& r : roles) {
    if (!out.empty()) out += ',';
    out += r;
  }
  return out;
}

// X-Auth-Time and X-Amr say when and how the user last authenticated (SPEC.md "Second factors
// and step-up"), so that an upstream can demand a recent or multi-factor sign-in: Unix seconds,
// and the RFC 8176 values comma-separated like X-User-Roles. `amr_text` is auth::Amr::text().
http::Response identity(std::string user, std::string roles, std::string session,
                        std::int64_t auth_time, std::string amr_text) {
  http::Response res;
  res.status = 200;
  res.headers.set("X-User-Id", std::move(user));
  res.headers.set("X-User-Roles", std::move(roles));
  res.headers.set("X-Session-Id", std::move(session));
  res.headers.set("X-Auth-Time", std::to_string(auth_time));
  std::replace(amr_text.begin(), amr_text.end(), ' ', ',');
  res.headers.set("X-Amr", std::move(amr_text));
  return res;
}

// Only the two outcomes a proxy understands: 401, or 5xx when the answer is unknown.
http::Response refused(const auth::Error& e) {
  if (e.code == auth::Errc::kUnauthenticated) return unauthenticated();
  return error_response(e);
}

// auth.require_mfa_roles: a user bound to enrol who has not may pass nothing through the proxy
// either (403). nullopt: no objection, or (with `cache_only`) none known without a store read,
// which the caller learns from `needs_store`.
std::optional<std::optional<http::Response>> enrolment_gate(const ApiContext& ctx,
                                                            const store::UserId& user,
                                                            const std::vector<std::string>& roles,
                                                            const auth::Amr& methods,
                                                            bool cache_only) {
  if (!ctx.credentials().enrolment_matters(roles, methods)) return std::nullopt;
  if (cache_only) return std::optional<http::Response>();  // ask again off the I/O thread
  auto ok = ctx.credentials().require_factor(user);
  if (!ok) return std::optional<http::Response>(std::move(ok.error()));
  return std::nullopt;
}

std::optional<std::optional<http::Response>> session_gate(const ApiContext& ctx,
                                                          const auth::CurrentSession& s,
                                                          bool cache_only) {
  if (!ctx.credentials().gates_anyone()) return std::nullopt;  // the hot path: nothing to parse
  // A stored value that does not parse counts as no method (never as a stronger one).
  return enrolment_gate(ctx, s.user.id, s.user.roles,
                        auth::Amr::parse(s.session.amr).value_or(auth::Amr()), cache_only);
}

http::Response session_identity(const auth::CurrentSession& s) {
  return identity(store::to_uuid(s.user.id), join_roles(s.user.roles), s.public_id,
                  s.session.auth_time, s.session.amr);
}

// An access token's answer, or nullopt when `cache_only` and only a store read can finish the
// check (its revocation filter may hold the token: AccessTokens::verify_locally).
std::optional<http::Response> check_token(const ApiContext& ctx, std::string_view token,
                                          bool cache_only) {
  auto local =
      cache_only ? ctx.access_tokens().verify_locally(token) : ctx.access_tokens().verify(token);
  if (!local) return std::nullopt;
  const auto& principal = *local;
  if (!principal) return refused(principal.error());
  const auth::AccessPrincipal& p = **principal;
  http::Response res;
  if (p.service) {
    res.status = 200;  // a service (client credentials): no user, no session
  } else {
    if (auto gated = enrolment_gate(ctx, p.user, p.roles, p.amr, cache_only); gated) {
      return *gated;
    }
    res = identity(p.user_uuid, join_roles(p.roles), p.sid, p.auth_time, p.amr.text());
  }
  if (!p.client_id.empty()) {  // an OAuth client's token
    res.headers.set("X-Client-Id", p.client_id);
    res.headers.set("X-Scope", p.scope);
  }
  return res;
}

// The answer, or nullopt when `cache_only` and it needs a store read: a session cookie not in
// the in-process cache, or an access token the revocation filter may hold. With networked
// stores the I/O threads call this with `cache_only`, and never wait on a store.
std::optional<http::Response> check(const ApiContext& ctx, const http::Request& req,
                                    bool cache_only) {
  // Which credential decides: api/credentials.h. Every refusal, an ambiguous cookie included,
  // is a 401 here: a proxy understands nothing else.
  http::Cookies jar;  // the credential's value may point into it
  auto credential = presented_credential(req, jar);
  if (!credential) return unauthenticated();
  if (credential->method != AuthMethod::kSessionCookie) {
    return check_token(ctx, credential->value, cache_only);
  }
  const std::int64_t now = ctx.clock().now_unix();
  if (cache_only) {
    auto hit = ctx.sessions().cached(credential->value, now);
    if (!hit) return std::nullopt;
    if (auto gated = session_gate(ctx, *hit, true); gated) return *gated;
    return session_identity(*hit);
  }
  auto current = ctx.sessions().authenticate_shared(credential->value, now);
  if (!current) return refused(current.error());
  if (auto gated = session_gate(ctx, **current, false); gated) return *gated;
  return session_identity(**current);
}

}  // namespace

http::Response verify(const ApiContext& ctx, const http::Request& req) {
  return *check(ctx, req, /*cache_only=*/false);
}

void add_verify_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  auto handler = [c](const http::Request& req) { return verify(*c, req); };
  // With networked stores, a session already in the cache is answered on the I/O thread.
  auto quick = [c](const http::Request& req) { return check(*c, req, /*cache_only=*/true); };
  for (const char* method : {"GET", "POST"}) {
    add_store_route(router, ctx.offload_pool(), method, "/auth/verify", handler, quick);
  }
}

}  // namespace tessera::api
