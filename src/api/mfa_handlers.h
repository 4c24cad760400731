// Second factors (SPEC.md "Second factors and step-up"; TOTP is RFC 6238):
//
//   GET    /auth/mfa                 200 {totp: {enabled, pending}, recovery_codes_remaining,
//                                    passkeys}
//   POST   /auth/mfa/totp/enroll     {} -> 200 {secret, otpauth_uri, qr_svg}; 409 if TOTP is on
//   POST   /auth/mfa/totp/confirm    {code} -> 200 {recovery_codes, auth_time, amr, acr} and a
//                                    NEW credential carrying otp + mfa (as after a step-up)
//   DELETE /auth/mfa/totp            204 (the recovery codes go too unless a passkey remains)
//   POST   /auth/mfa/recovery-codes  {} -> 200 {recovery_codes} (the old ones stop working)
//   POST   /auth/login/mfa           {mfa_token, totp | recovery_code | webauthn} -> as
//                                    /auth/login (api/login_answer.h)
//   POST   /auth/token/mfa           the same -> as /auth/token
//
// Enrolling, removing TOTP and new recovery codes need a recent authentication (step-up, RFC
// 9470). Every route here works before enrolment (MfaGate::kExempt): they are how a user bound
// by auth.require_mfa_roles gets out. A wrong code at the second step of a login counts toward
// the login rate limit (auth_service.h); the answers never say more than "invalid code".
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/json_body.h"
#include "auth/second_factors.h"
#include "http/router.h"

namespace tessera::api {

// A one-time code in a body: the `totp` or the `recovery_code` member (at most one of them).
struct PresentedCode {
  auth::CodeKind kind = auth::CodeKind::kTotp;
  std::string code;
};

// The code `fields` carry (nullopt: neither member). Both members: 400.
std::expected<std::optional<PresentedCode>, http::Response> presented_code(JsonFields& fields);

// Registers the routes above. `ctx` must outlive the router.
void add_mfa_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
