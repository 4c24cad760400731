#include "api/csrf_guard.h"

#include <utility>

#include "api/error_mapping.h"
#include "http/csrf.h"
#include "http/log.h"

namespace tessera::api {
namespace {

// Every refusal is a warn line (issue 19: a person would otherwise find a 403 mysterious):
// its reason, and for an origin refusal the Origin sent (never the Referer: its path and
// query may hold tokens) and what to change. Never the tokens. The request id comes from the
// thread (base/log_context.h).
http::Response refuse(std::string_view reason, std::string_view detail,
                      const http::Request* req = nullptr) {
  if (http::log_enabled(http::LogLevel::kWarn)) {
    std::string origin;
    if (req != nullptr) origin = std::string(req->headers.get("Origin").value_or(""));
    if (origin.empty()) {
      http::log_event(http::LogLevel::kWarn, "csrf refused", {{"reason", std::string(reason)}});
    } else {
      http::log_event(http::LogLevel::kWarn, "csrf refused",
                      {{"reason", std::string(reason)},
                       {"origin", std::move(origin)},
                       {"hint", "a page of this origin needs it in web.allowed_origins"}});
    }
  }
  return problem_response(403, http::codes::kCsrfFailed, std::string(detail));
}

http::Response origin_not_allowed(const http::Request& req) {
  return refuse("origin_not_allowed", "cross-site request check failed: origin not allowed", &req);
}

http::Response no_origin() {
  return refuse("no_origin", "cross-site request check failed: no Origin or Referer");
}

http::Response mismatch() { return refuse("token_mismatch", "CSRF token mismatch"); }

}  // namespace

CsrfGuard::CsrfGuard(const auth::FamilyCsrf& family_csrf, std::vector<std::string> allowed_origins,
                     std::string cookie_domain)
    : family_csrf_(family_csrf),
      allowed_origins_(std::move(allowed_origins)),
      cookie_domain_(std::move(cookie_domain)) {}

void CsrfGuard::set_allowed_origins(std::vector<std::string> origins) {
  allowed_origins_ = std::move(origins);
}

std::expected<std::string, http::Response> CsrfGuard::presented(const http::Request& req) const {
  // Rule a is the form pages' origin rule: present and allowed.
  if (auto origin = check_form_origin(req); !origin)
    return std::unexpected(std::move(origin.error()));
  auto token = http::presented_csrf_token(req);
  if (!token) {
    return std::unexpected(refuse("token_missing", "missing CSRF token (X-CSRF-Token)"));
  }
  return std::move(*token);
}

std::expected<void, http::Response> CsrfGuard::check_family(std::string_view sid,
                                                            std::string_view presented) const {
  if (!family_csrf_.matches(sid, presented)) return std::unexpected(mismatch());
  return {};
}

std::expected<void, http::Response> CsrfGuard::check(const http::Request& req,
                                                     const Authenticated& who) const {
  if (!who.by_cookie() || !http::is_unsafe_method(req.method)) return {};
  auto token = presented(req);
  if (!token) return std::unexpected(std::move(token.error()));
  if (!who.session) return check_family(who.sid, *token);
  if (!auth::SessionService::csrf_matches(who.session->session, *token)) {
    return std::unexpected(mismatch());
  }
  return {};
}

std::expected<void, http::Response> CsrfGuard::check_login_origin(const http::Request& req) const {
  if (http::check_origin(req, allowed_origins_, cookie_domain_) == http::OriginCheck::kNotAllowed) {
    return std::unexpected(origin_not_allowed(req));
  }
  return {};
}

std::expected<void, http::Response> CsrfGuard::check_form_origin(const http::Request& req) const {
  switch (http::check_origin(req, allowed_origins_, cookie_domain_)) {
    case http::OriginCheck::kOk:
      return {};
    case http::OriginCheck::kMissing:
      return std::unexpected(no_origin());
    case http::OriginCheck::kNotAllowed:
      break;
  }
  return std::unexpected(origin_not_allowed(req));
}

}  // namespace tessera::api
