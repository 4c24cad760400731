// /admin/... (SPEC.md "HTTP API": role `admin` only). Users (list, show, roles, disable,
// enable, reset-password, revoke, delete): api/admin_users.h. OAuth clients:
// api/admin_clients.h.
//
//   GET /admin/audit?limit=N&before=ID&user=UUID&type=TYPE
//     200 {"events":[{id, at, type, user_id, ip, user_agent, detail}], "next_before": ID|null}
//     newest first; `next_before` pages backwards (pass it as `before`).
//     limit 1..1000 (default 100); before a positive event id; user a UUID; type an event type
//     such as "login.failure" ([a-z0-9._-], at most 64). Unknown, repeated or malformed
//     parameters: 400 naming the parameter.
//   POST /admin/keys/rotate[?emergency=true]
//     rotates the keyring (auth/keyring.h; like `tessera keys rotate [--emergency]`), audited
//     as keys.rotated; 200 {"emergency", "active": kid, "keys": [{kid, alg, state}]}. After an
//     emergency rotation every access token issued so far fails, the caller's included.
//     Unsafe: CSRF checks for cookie callers.
//   401 without a valid credential, 403 with one whose user lacks the `admin` role (kept distinct:
//   DESIGN.md, unauthenticated is not forbidden).
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// The role that may use /admin.
inline constexpr std::string_view kAdminRole = "admin";

// The caller of an /admin request: authenticated (CSRF checked for unsafe cookie requests) and
// holding the admin role, with a recent authentication (every admin endpoint is a sensitive
// action: RFC 9470 step-up). The error is the response: 401, 403 (known but not an admin), 400,
// or 401 insufficient_user_authentication.
std::expected<Authenticated, http::Response> admin_caller(const ApiContext& ctx,
                                                          const http::Request& req);

// An /admin route: `handler` on `method` `path`, on the store pool when the stores are across
// a network (add_store_route). Each handler calls admin_caller itself. `ctx` must outlive the
// router.
using AdminHandler = http::Response (*)(const ApiContext&, const http::Request&);
void add_admin_route(http::Router& router, const ApiContext& ctx, const char* method,
                     const char* path, AdminHandler handler);

// Registers the routes above. `ctx` must outlive the router.
void add_admin_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
