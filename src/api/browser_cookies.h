// The Set-Cookie values of both web modes (SPEC.md "Browser delivery"), built in one place so
// that every cookie of a kind carries the same name, path and flags wherever it is set or
// deleted. Their names and Domain are in api/cookie_names.h.
//
// Thread-safe (immutable after construction).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/cookie_names.h"
#include "api/credentials.h"
#include "auth/family_csrf.h"
#include "auth/refresh_families.h"
#include "auth/sessions.h"
#include "base/clock.h"
#include "http/cookies.h"
#include "http/message.h"

namespace tessera::api {

class BrowserCookies {
 public:
  // REQUIRES: `family_csrf` and `clock` outlive this object. `same_site`: of the session,
  // access and CSRF cookies (the refresh cookie is always Strict). `names`: see
  // api/cookie_names.h (with a Domain, also what the setters below put on those three).
  BrowserCookies(const auth::FamilyCsrf& family_csrf, const base::Clock& clock,
                 http::SameSite same_site, CookieNames names);

  // The names every reader of our cookies uses.
  const CookieNames& names() const { return names_; }

  // With a cookie domain, the setters below also delete the host-only __Host- session, access
  // and CSRF cookies a browser may keep from before the setting: the page script prefers a
  // __Host- CSRF cookie (no other host can plant one), so a stale one must not outlive the
  // next sign-in or refresh.
  //
  // Set-Cookie values for a new session (session + CSRF cookies).
  std::vector<std::string> session_cookies(const auth::NewSession& s) const;
  // Set-Cookie values for a new or rotated token pair (web.mode = "jwt"): the access cookie
  // (Max-Age = the token's remaining life), the refresh cookie (Path=/auth/refresh,
  // SameSite=Strict, Max-Age = the family's remaining absolute life) and the CSRF cookie.
  std::vector<std::string> token_cookies(const auth::TokenPair& pair) const;
  // Set-Cookie values deleting the cookies of a credential (logout; a refused refresh): the
  // session and CSRF cookies for kSessionCookie; the access, refresh and CSRF cookies for
  // kAccessCookie; none for kBearer.
  std::vector<std::string> clearing_cookies(AuthMethod method) const;
  // The deletion of the access cookie alone (a refused access cookie: the refresh cookie may
  // still get a new one).
  std::vector<std::string> clearing_access_cookie() const;

 private:
  // With a cookie domain: the deletions of the host-only __Host- cookies of before (see
  // above); else none.
  std::vector<std::string> host_only_leftovers() const;

  const auth::FamilyCsrf& family_csrf_;
  const base::Clock& clock_;
  http::SameSite same_site_;
  CookieNames names_;
};

// Adds each value as a Set-Cookie field of `res`.
void add_set_cookies(http::Response& res, const std::vector<std::string>& cookies);

}  // namespace tessera::api
