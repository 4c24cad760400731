#include "api/browser_cookies.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace tessera::api {
namespace {

// Deletions of our cookies named in `names` (each with its own path and flags).
std::vector<std::string> deletions(std::initializer_list<std::string_view> names,
                                   http::SameSite same_site) {
  std::vector<std::string> out;
  for (std::string_view name : names) {
    http::SetCookie c{.name = std::string(name), .value = {}};
    c.same_site = same_site;
    if (name == kCsrfCookieName) c.http_only = false;
    if (name == kRefreshCookieName) {
      c.path = std::string(kRefreshCookiePath);
      c.same_site = http::SameSite::kStrict;
    }
    if (auto v = c.deletion().to_string()) out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

BrowserCookies::BrowserCookies(const auth::FamilyCsrf& family_csrf, const base::Clock& clock,
                               http::SameSite same_site)
    : family_csrf_(family_csrf), clock_(clock), same_site_(same_site) {}

std::vector<std::string> BrowserCookies::session_cookies(const auth::NewSession& s) const {
  // SPEC.md "Browser delivery": __Host- (Secure, Path=/, no Domain: RFC 6265bis section
  // 4.1.3.2), HttpOnly for the session, NOT HttpOnly for the CSRF token (the page reads it and
  // echoes it in X-CSRF-Token). No Max-Age: browser-session cookies; the server enforces the
  // idle and absolute timeouts whatever the browser keeps.
  std::vector<std::string> out;
  http::SetCookie session{.name = std::string(kSessionCookieName), .value = s.id};
  session.same_site = same_site_;
  http::SetCookie csrf{.name = std::string(kCsrfCookieName), .value = s.csrf_token};
  csrf.http_only = false;
  csrf.same_site = same_site_;
  for (const http::SetCookie* c : {&session, &csrf}) {
    if (auto v = c->to_string()) out.push_back(std::move(*v));
  }
  return out;
}

std::vector<std::string> BrowserCookies::token_cookies(const auth::TokenPair& pair) const {
  const std::int64_t now = clock_.now_unix();
  http::SetCookie access{.name = std::string(kAccessCookieName), .value = pair.access.token};
  access.same_site = same_site_;
  access.max_age = std::max<std::int64_t>(1, pair.access.expires_at - now);
  // __Secure- rather than __Host-: the refresh cookie needs Path=/auth/refresh, so that the
  // browser sends it nowhere else (RFC 6265bis section 4.1.3.1), and SameSite=Strict.
  http::SetCookie refresh{.name = std::string(kRefreshCookieName), .value = pair.refresh_token};
  refresh.path = std::string(kRefreshCookiePath);
  refresh.same_site = http::SameSite::kStrict;
  refresh.max_age = std::max<std::int64_t>(1, pair.refresh_expires_at - now);
  // The CSRF cookie is sent with the refresh cookie (POST /auth/refresh, and logout once the
  // access cookie has expired), so it lives exactly as long: a browser-session CSRF cookie
  // beside a refresh cookie that survives a browser restart left refresh and logout answering
  // 403 while the family lived on (issue 14, defect 6).
  http::SetCookie csrf{.name = std::string(kCsrfCookieName), .value = family_csrf_.token(pair.sid)};
  csrf.http_only = false;
  csrf.same_site = same_site_;
  csrf.max_age = refresh.max_age;
  std::vector<std::string> out;
  for (const http::SetCookie* c : {&access, &refresh, &csrf}) {
    if (auto v = c->to_string()) out.push_back(std::move(*v));
  }
  return out;
}

std::vector<std::string> BrowserCookies::clearing_cookies(AuthMethod method) const {
  switch (method) {
    case AuthMethod::kSessionCookie:
      return deletions({kSessionCookieName, kCsrfCookieName}, same_site_);
    case AuthMethod::kAccessCookie:
      return deletions({kAccessCookieName, kRefreshCookieName, kCsrfCookieName}, same_site_);
    case AuthMethod::kBearer:
      break;
  }
  return {};
}

std::vector<std::string> BrowserCookies::clearing_access_cookie() const {
  return deletions({kAccessCookieName}, same_site_);
}

void add_set_cookies(http::Response& res, const std::vector<std::string>& cookies) {
  for (const std::string& c : cookies) res.headers.add("Set-Cookie", c);
}

}  // namespace tessera::api
