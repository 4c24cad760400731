// /admin/users: user administration by an administrator (role `admin`, a recent
// authentication: api/admin_handlers.h admin_caller), the same operations as `tessera user ...`
// (cli/user_cmd.cc). A user is shown as api/user_json.h writes it: a row of a list is
// {id, email, roles, disabled, created_at}; "the user" below is the whole record {id, email,
// email_verified, roles, disabled, created_at, password_changed_at, second_factors: {totp:
// on|pending|off, recovery_codes, passkeys}} (times in Unix seconds), as `tessera user show
// --json` prints it.
//
//   GET    /admin/users?limit=N&after=CURSOR&q=TEXT
//     200 {"users": [row, ...], "next": CURSOR|null}, in order of creation (created_at, then
//     id). Keyset paging: `next` is set when the page is full; pass it as `after` for the page
//     that follows (users created or deleted meanwhile never shift a page). A cursor is opaque
//     text: take it from `next`, do not build one. q: only users whose email contains TEXT,
//     with ASCII letters matched in any case (stored emails are normalized: auth/email.h) and
//     every other character as it is (`%` and `_` are no wildcards); empty: every user.
//     limit 1..1000 (default 100). Unknown, repeated or malformed parameters (a cursor not
//     from `next`, a q longer than an email may be): 400 naming the parameter.
//   GET    /admin/users/{id}             200 the user
//   PUT    /admin/users/{id}/roles       JSON {"roles": [ROLE, ...]} replaces the user's roles
//                                        (the rules of `tessera user add --role`: 400 naming
//                                        the bad one; stored sorted, without duplicates); 200
//                                        the user. Ends nothing: their sessions see the new
//                                        roles within a second, access tokens already issued
//                                        keep theirs until they expire. 409 when the caller
//                                        would take `admin` from themselves. Audited as
//                                        user.roles_changed.
//   POST   /admin/users/{id}/disable     the user can no longer sign in and every session,
//                                        refresh family and access token of theirs ends; 200
//                                        the user plus "sessions_revoked". 409 for the caller's
//                                        own account. Audited as user.disabled.
//   POST   /admin/users/{id}/enable      200 the user. Audited as user.enabled.
//   POST   /admin/users/{id}/reset-password
//                                        mails the user a password-reset link, as "forgot
//                                        password" would (AccountLifecycle::mail_reset_link;
//                                        earlier links stay usable until one is used); 202 {}.
//                                        503 when mail is not set up (email.smtp_url or
//                                        email.outbox_only); 403 for a disabled user (their
//                                        links would be refused: enable them first). Audited
//                                        as password.reset_requested.
//   POST   /admin/users/{id}/revoke      every session, refresh family and access token of the
//                                        user ends (SPEC.md "Revocation"); 200 {"user",
//                                        "sessions_revoked"}. Audited as session.revoked.
//   DELETE /admin/users/{id}             the user and every row that is theirs (their
//                                        credentials end first; audit events stay without the
//                                        email). 204; 409 for the caller's own account.
//                                        Audited as user.deleted.
// Every route with an {id}: 404 for an unknown user or a malformed id. Every route: 401
// without a valid credential, 403 with one whose user lacks the admin role, 401
// insufficient_user_authentication (RFC 9470) when the caller's authentication is not recent.
// The POST, PUT and DELETE routes take no body but the one named (an empty one, or {}), and a
// cookie-authenticated caller passes the CSRF checks (403 otherwise). Every change is audited
// with the caller as actor ("by": their id).
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_admin_user_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
