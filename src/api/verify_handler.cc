#include "api/verify_handler.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "api/access_rules.h"
#include "api/error_mapping.h"
#include "api/gateway_request.h"
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

// X-User-Email: the stored (normalized) address, whose bytes are visible ASCII but for a UTF-8
// local part. Bytes outside visible ASCII, and '%' itself, are percent-encoded (RFC 3986
// section 2.1), so an ASCII address without '%' arrives unchanged, none arrives ambiguous, and
// no byte a proxy could mangle reaches a header.
std::string header_safe_email(std::string_view email) {
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(email.size());
  for (char c : email) {
    const auto b = static_cast<unsigned char>(c);
    if (b > 0x20 && b < 0x7f && c != '%') {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
  return out;
}

// X-Auth-Time and X-Amr say when and how the user last authenticated (SPEC.md "Second factors
// and step-up"), so that an upstream can demand a recent or multi-factor sign-in: Unix seconds,
// and the RFC 8176 values comma-separated like X-User-Roles. `amr_text` is auth::Amr::text().
// `email`: "" for an access token, which carries no address (X-User-Email is then absent).
http::Response identity(std::string user, std::string_view email, std::string roles,
                        std::string session, std::int64_t auth_time, std::string amr_text) {
  http::Response res;
  res.status = 200;
  res.headers.set("X-User-Id", std::move(user));
  if (!email.empty()) res.headers.set("X-User-Email", header_safe_email(email));
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
  return identity(store::to_uuid(s.user.id), s.user.email, join_roles(s.user.roles), s.public_id,
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
    res = identity(p.user_uuid, {}, join_roles(p.roles), p.sid, p.auth_time, p.amr.text());
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
  auto credential = presented_credential(req, ctx.cookies().names(), jar);
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

// SPEC.md "Gateway": a browser's navigation that needs a sign-in goes to the login page, with
// the original URL as the return target when api/return_target.h allows it; an API call, a URL
// not allowed or not passed keeps the 401. As a 302 (forward-auth proxies hand it to the
// browser) or, for nginx (redirect_as_401), a 401 carrying the Location nginx redirects to.
// Only 401s get here: the 200 path pays nothing for it.
http::Response to_login(const ApiContext& ctx, const http::Request& req, http::Response res) {
  if (res.status != 401 || ctx.login_url().empty() || !is_browser_navigation(req)) return res;
  const std::string url = original_url(req);
  if (!ctx.return_targets().allows_url(url)) return res;
  if (!redirect_as_401(req)) {
    res = http::Response();
    res.status = 302;  // RFC 9110 section 15.4.3: the browser follows with GET
  }
  res.headers.set("Location", login_url_with_return(ctx.login_url(), url));
  res.headers.set("Cache-Control", "no-store");
  return res;
}

http::Response denied() {
  return problem_response(403, http::codes::kAccessDenied,
                          "access to this resource is not allowed for this user");
}

// [[access.rules]] (api/access_rules.h) for an identity check() let through: the rule's
// roles and mfa judged on exactly what the upstream is told (X-User-Roles, X-Amr; a service
// has neither). An original request the rules cannot be matched against (no URL passed, an
// unreadable path) is denied: with rules, failing open would skip the one that restricts it.
http::Response apply_rules(const ApiContext& ctx, http::Response res,
                           const std::optional<RuleTarget>& target) {
  if (res.status != 200) return res;
  if (!target || !target->path) return denied();
  const AccessRules::Rule* rule = ctx.options().access_rules.match(*target);
  if (rule == nullptr) return res;  // the default: authenticated
  if (!access_allowed(*rule, res.headers.get("X-User-Roles").value_or(""),
                      res.headers.get("X-Amr").value_or(""))) {
    return denied();
  }
  return res;
}

// check(), then to_login() for a 401; with access rules, a bypass rule first (no credential
// looked at) and apply_rules() after. nullopt as check() says.
std::optional<http::Response> answer(const ApiContext& ctx, const http::Request& req,
                                     bool cache_only) {
  const AccessRules& rules = ctx.options().access_rules;
  std::optional<RuleTarget> target;
  if (!rules.empty()) {  // the hot path without rules parses nothing more
    target = rule_target(original_method(req), original_url(req));
    if (target) {
      const AccessRules::Rule* rule = rules.match(*target);
      if (rule != nullptr && rule->policy == AccessPolicy::kBypass) {
        http::Response open;
        open.status = 200;  // no identity: the upstream must not rely on one here
        return open;
      }
    }
  }
  std::optional<http::Response> res = check(ctx, req, cache_only);
  if (!res) return res;
  if (res->status == 401) return to_login(ctx, req, std::move(*res));
  if (!rules.empty()) return apply_rules(ctx, std::move(*res), target);
  return res;
}

}  // namespace

http::Response verify(const ApiContext& ctx, const http::Request& req) {
  return *answer(ctx, req, /*cache_only=*/false);
}

void add_verify_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  auto handler = [c](const http::Request& req) { return verify(*c, req); };
  // With networked stores, a session already in the cache is answered on the I/O thread.
  auto quick = [c](const http::Request& req) { return answer(*c, req, /*cache_only=*/true); };
  for (const char* method : {"GET", "POST"}) {
    add_store_route(router, ctx.offload_pool(), method, "/auth/verify", handler, quick);
  }
}

}  // namespace tessera::api
