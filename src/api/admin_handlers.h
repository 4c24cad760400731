// /admin/... (SPEC.md "HTTP API": role `admin` only). For now: the audit log.
//
//   GET /admin/audit?limit=N&before=ID&user=UUID&type=TYPE
//     200 {"events":[{id, at, type, user_id, ip, user_agent, detail}], "next_before": ID|null}
//     newest first; `next_before` pages backwards (pass it as `before`).
//     limit 1..1000 (default 100); before a positive event id; user a UUID; type an event type
//     such as "login.failure" ([a-z0-9._-], at most 64). Unknown, repeated or malformed
//     parameters: 400 naming the parameter.
//   401 without a valid session, 403 with one whose user lacks the `admin` role (kept distinct:
//   DESIGN.md, unauthenticated is not forbidden).
#pragma once

#include "api/request_auth.h"
#include "http/router.h"

namespace tessera::api {

// The role that may use /admin.
inline constexpr std::string_view kAdminRole = "admin";

// Registers the routes above. `ctx` must outlive the router.
void add_admin_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
