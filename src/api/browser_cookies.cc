#include "api/browser_cookies.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace tessera::api {
namespace {

// The cookie `name` of `names`, with its path, Domain and flags, and an empty value: the one
// shape each of our cookies has wherever it is set or deleted.
http::SetCookie shaped(const CookieNames& names, std::string_view name, http::SameSite same_site) {
  http::SetCookie c{.name = std::string(name), .value = {}};
  c.same_site = same_site;
  if (name == names.csrf) c.http_only = false;  // the page reads it
  if (name == names.refresh) {
    // __Secure- rather than __Host-: the refresh cookie needs Path=/auth/refresh, so that the
    // browser sends it nowhere else (RFC 6265bis section 4.1.3.1), and SameSite=Strict. No
    // Domain even with a cookie domain: only this server's refresh endpoint reads it.
    c.path = std::string(kRefreshCookiePath);
    c.same_site = http::SameSite::kStrict;
  } else if (!names.domain.empty()) {
    c.domain = names.domain;
  }
  return c;
}

// Deletions of the cookies of `names` named in `which`.
std::vector<std::string> deletions(const CookieNames& names,
                                   std::initializer_list<std::string_view> which,
                                   http::SameSite same_site) {
  std::vector<std::string> out;
  for (std::string_view name : which) {
    if (auto v = shaped(names, name, same_site).deletion().to_string())
      out.push_back(std::move(*v));
  }
  return out;
}

void append(std::vector<std::string>& out, const http::SetCookie& c) {
  if (auto v = c.to_string()) out.push_back(std::move(*v));
}

}  // namespace

BrowserCookies::BrowserCookies(const auth::FamilyCsrf& family_csrf, const base::Clock& clock,
                               http::SameSite same_site, CookieNames names)
    : family_csrf_(family_csrf), clock_(clock), same_site_(same_site), names_(std::move(names)) {}

std::vector<std::string> BrowserCookies::session_cookies(const auth::NewSession& s) const {
  // SPEC.md "Browser delivery": Secure, Path=/, host-only (__Host-: RFC 6265bis section
  // 4.1.3.2) or with the cookie domain (__Secure-); HttpOnly for the session, NOT HttpOnly for
  // the CSRF token (the page reads it and echoes it in X-CSRF-Token). No Max-Age:
  // browser-session cookies; the server enforces the idle and absolute timeouts whatever the
  // browser keeps.
  std::vector<std::string> out = host_only_leftovers();
  http::SetCookie session = shaped(names_, names_.session, same_site_);
  session.value = s.id;
  http::SetCookie csrf = shaped(names_, names_.csrf, same_site_);
  csrf.value = s.csrf_token;
  append(out, session);
  append(out, csrf);
  return out;
}

std::vector<std::string> BrowserCookies::token_cookies(const auth::TokenPair& pair) const {
  const std::int64_t now = clock_.now_unix();
  http::SetCookie access = shaped(names_, names_.access, same_site_);
  access.value = pair.access.token;
  access.max_age = std::max<std::int64_t>(1, pair.access.expires_at - now);
  http::SetCookie refresh = shaped(names_, names_.refresh, same_site_);
  refresh.value = pair.refresh_token;
  refresh.max_age = std::max<std::int64_t>(1, pair.refresh_expires_at - now);
  // The CSRF cookie is sent with the refresh cookie (POST /auth/refresh, and logout once the
  // access cookie has expired), so it lives exactly as long: a browser-session CSRF cookie
  // beside a refresh cookie that survives a browser restart left refresh and logout answering
  // 403 while the family lived on (issue 14, defect 6).
  http::SetCookie csrf = shaped(names_, names_.csrf, same_site_);
  csrf.value = family_csrf_.token(pair.sid);
  csrf.max_age = refresh.max_age;
  std::vector<std::string> out = host_only_leftovers();
  for (const http::SetCookie* c : {&access, &refresh, &csrf}) append(out, *c);
  return out;
}

std::vector<std::string> BrowserCookies::clearing_cookies(AuthMethod method) const {
  switch (method) {
    case AuthMethod::kSessionCookie:
      return deletions(names_, {names_.session, names_.csrf}, same_site_);
    case AuthMethod::kAccessCookie:
      return deletions(names_, {names_.access, names_.refresh, names_.csrf}, same_site_);
    case AuthMethod::kBearer:
      break;
  }
  return {};
}

std::vector<std::string> BrowserCookies::clearing_access_cookie() const {
  return deletions(names_, {names_.access}, same_site_);
}

std::vector<std::string> BrowserCookies::host_only_leftovers() const {
  if (names_.domain.empty()) return {};
  const CookieNames host_only = cookie_names("");
  return deletions(host_only, {host_only.session, host_only.access, host_only.csrf}, same_site_);
}

void add_set_cookies(http::Response& res, const std::vector<std::string>& cookies) {
  for (const std::string& c : cookies) res.headers.add("Set-Cookie", c);
}

}  // namespace tessera::api
