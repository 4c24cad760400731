// The Set-Cookie values of both web modes (SPEC.md "Browser delivery"), built in one place so
// that every cookie of a kind carries the same name, path and flags wherever it is set or
// deleted. Cookie names are in api/credentials.h.
//
// Thread-safe (immutable after construction).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  // access and CSRF cookies (the refresh cookie is always Strict).
  BrowserCookies(const auth::FamilyCsrf& family_csrf, const base::Clock& clock,
                 http::SameSite same_site);

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
  const auth::FamilyCsrf& family_csrf_;
  const base::Clock& clock_;
  http::SameSite same_site_;
};

// Adds each value as a Set-Cookie field of `res`.
void add_set_cookies(http::Response& res, const std::vector<std::string>& cookies);

}  // namespace tessera::api
