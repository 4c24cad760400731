// The ways back into an account and the proof of an address (SPEC.md "HTTP API"; the flows are
// auth/lifecycle/account_lifecycle.h):
//
//   POST /auth/password/forgot  {email} -> 202, the same body for a known and an unknown
//                               address; 429 + Retry-After past the per-address / per-client
//                               limits; 503 when mail is not set up
//   POST /auth/password/reset   {token, new_password} -> 200; no cookie and no token: the user
//                               signs in with the new password (every old session has ended);
//                               400 invalid_link (used, expired, unknown: words for a person),
//                               422 a password the policy refuses (the link stays usable)
//   POST /auth/email/verify     {token} -> 200 {email_verified: true, email}; 400 invalid_link
//   POST /auth/email/resend     (signed in) -> 202: a new verification link
//   POST /auth/email/change     {new_email} (signed in within auth.step_up_max_age, else 401
//                               insufficient_user_authentication) -> 202: a link to the new
//                               address, a notice to the current one; the same 202 when the
//                               new address has an account (no link then)
//   POST /auth/email/change/confirm {token} -> 200 {email, email_verified}; 400 invalid_link
//
// The unauthenticated ones pass the login-CSRF origin check (api/csrf_guard.h) like sign-up;
// resend, cookie-authenticated, passes the CSRF checks of every unsafe request. Opening a link
// (GET /reset-password, /verify-email, /confirm-email-change) is a page that changes nothing
// (api/web_pages.h). The pages' forms posted without JavaScript make the same auth-layer calls
// and answer with the page (api/account_forms.h).
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_account_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
