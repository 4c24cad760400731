// The cookie-session endpoints of SPEC.md "HTTP API" (web.mode = "session"):
//
//   POST   /auth/signup          {email,password} -> 201, the same body whether the email was
//                                new or taken (no cookie: the user logs in next)
//   POST   /auth/login           {email,password[,totp]} -> 200 {user, csrf_token} + cookies
//   POST   /auth/logout          204, cookies cleared
//   POST   /auth/step-up         {password} -> 200 {user, auth_time, amr, acr, ...} and a new
//                                credential (RFC 9470; see step_up() in the .cc)
//   POST   /auth/logout-all      200 {sessions_revoked}, cookies cleared
//   GET    /auth/me              200 {user, session}
//   GET    /auth/sessions        200 {sessions:[{id, created_at, last_seen_at, ip, user_agent,
//                                current}]} (id: the PUBLIC id, never the cookie value)
//   DELETE /auth/sessions/{id}   204; 404 unless it is one of the caller's own sessions
//   POST   /auth/password        {current_password,new_password} -> 200 {sessions_revoked};
//                                every other session of the user is revoked
//
// Logout everywhere and password change are sensitive actions: they need an authentication
// younger than auth.step_up_max_age (Authenticator::authenticate_recent), else 401
// insufficient_user_authentication. Login, signup, step-up and password change hash (Argon2id) and
// are therefore async routes whose work runs on the hash pool; the rest are sync. Every
// cookie-authenticated unsafe request passes the CSRF checks (api/csrf_guard.h); login and signup
// pass the login-CSRF origin check. Errors: api/error_mapping.h; bodies: api/json_body.h.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_auth_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
