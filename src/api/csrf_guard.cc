#include "api/csrf_guard.h"

#include <utility>

#include "api/error_mapping.h"
#include "http/csrf.h"

namespace tessera::api {
namespace {

http::Response origin_not_allowed() {
  return problem_response(403, http::codes::kCsrfFailed,
                          "cross-site request check failed: origin not allowed");
}

http::Response no_origin() {
  return problem_response(403, http::codes::kCsrfFailed,
                          "cross-site request check failed: no Origin or Referer");
}

http::Response mismatch() {
  return problem_response(403, http::codes::kCsrfFailed, "CSRF token mismatch");
}

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
    return std::unexpected(
        problem_response(403, http::codes::kCsrfFailed, "missing CSRF token (X-CSRF-Token)"));
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
    return std::unexpected(origin_not_allowed());
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
  return std::unexpected(origin_not_allowed());
}

}  // namespace tessera::api
