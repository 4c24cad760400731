// The CSRF rule (SPEC.md "Browser delivery"), written once for every handler. A
// cookie-authenticated unsafe request (POST/PUT/PATCH/DELETE; RFC 9110 section 9.2.1) must
// pass BOTH checks, else 403:
//   a. Origin (or, when absent, Referer) is in the allowed origins (exact match after RFC 6454
//      serialization: "null", suffix look-alikes and other schemes never match), or, with a
//      cookie domain, an https origin under it (http::origin_allowed);
//   b. the X-CSRF-Token header (or csrf_token form field) is the credential's CSRF token,
//      compared in constant time: for a session, the token stored (hashed) with it; for a token
//      family (access or refresh cookie), auth::FamilyCsrf's token of its sid. This is the
//      double-submit token bound to the credential: a value an attacker plants in the CSRF
//      cookie (from a sibling subdomain) never matches, and another session's token neither.
// Both, because each covers a gap of the other: the origin check relies on no secret, the token
// check holds when a proxy strips Origin/Referer... and then refuses (no Origin is a failure).
// Bearer-authenticated requests are exempt: a browser never attaches them by itself.
//
// Thread-safe after wiring (set_allowed_origins before serving).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "api/credentials.h"
#include "auth/family_csrf.h"
#include "http/message.h"

namespace tessera::api {

class CsrfGuard {
 public:
  // REQUIRES: `family_csrf` outlives this object. `allowed_origins`: see
  // app::effective_allowed_origins; `cookie_domain`: web.cookie_domain ("": none).
  CsrfGuard(const auth::FamilyCsrf& family_csrf, std::vector<std::string> allowed_origins,
            std::string cookie_domain = {});

  // Wiring only (the server's own URL is known once it is bound).
  void set_allowed_origins(std::vector<std::string> origins);

  // a + b for an authenticated credential; passes for Bearer and for safe methods.
  std::expected<void, http::Response> check(const http::Request& req,
                                            const Authenticated& who) const;

  // The same in two halves, for a credential that is checked after them (the refresh cookie:
  // a refused request must rotate nothing). presented(): a, and that a token is presented;
  // returns it. check_family(): b against the family `sid`.
  std::expected<std::string, http::Response> presented(const http::Request& req) const;
  std::expected<void, http::Response> check_family(std::string_view sid,
                                                   std::string_view presented) const;

  // Login CSRF: a cross-site page must not log the victim into the attacker's account. A login
  // or signup is not cookie-authenticated, so the token check cannot apply; but when the
  // browser names the page's origin (Origin, or Referer without Origin) it must be allowed.
  // Non-browser clients (curl, native apps) send neither and pass.
  std::expected<void, http::Response> check_login_origin(const http::Request& req) const;

  // A plain HTML form posted without a session (the account pages' forms without JavaScript,
  // api/account_forms.h): the same login-CSRF rule, except that the origin must be named. A
  // browser names it on every form POST (the pages' Referrer-Policy: same-origin keeps it from
  // being "null"), and such a form has no non-browser clients to let through: Origin (or Referer
  // without Origin) must be present and allowed, else 403.
  std::expected<void, http::Response> check_form_origin(const http::Request& req) const;

 private:
  const auth::FamilyCsrf& family_csrf_;
  std::vector<std::string> allowed_origins_;
  std::string cookie_domain_;
};

}  // namespace tessera::api
