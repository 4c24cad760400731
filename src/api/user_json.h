// A user as the administrator's interfaces show it: GET /admin/users (rows) and
// GET /admin/users/{id} (api/admin_users.h), and `tessera user list --json` / `user show --json`
// (cli/user_cmd.cc) print exactly the same objects. Times are Unix seconds; the password hash
// is never shown.
#pragma once

#include <nlohmann/json.hpp>

#include "auth/second_factors.h"
#include "store/types.h"

namespace tessera::api {

// {id, email, roles, disabled, created_at}: a row of a list.
nlohmann::ordered_json user_summary_json(const store::User& user);

// {id, email, email_verified, roles, disabled, created_at, password_changed_at,
//  second_factors: {totp: "on"|"pending"|"off", recovery_codes (unused), passkeys}}.
nlohmann::ordered_json user_detail_json(const store::User& user, const auth::FactorStatus& factors);

// "on" (confirmed), "pending" (enrolled, awaiting its first code) or "off".
const char* totp_state(const auth::FactorStatus& factors);

}  // namespace tessera::api
