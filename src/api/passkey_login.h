// Signing in with a passkey (SPEC.md "Second factors and step-up"; W3C WebAuthn Level 3
// section 7.2), the half of the passkey routes that starts sessions (the account's half:
// api/passkey_handlers.h):
//
//   POST /auth/passkeys/login/options  {} (discoverable: "Sign in with a passkey"), {email}, or
//                                      {mfa_token} (a passkey as the second factor) ->
//                                      200 {publicKey: PublicKeyCredentialRequestOptionsJSON}
//   POST /auth/passkeys/login          the bare AuthenticationResponseJSON -> the answer of a
//                                      completed POST /auth/login (api/login_answer.h)
//
// The second factor's assertion goes to POST /auth/login/mfa as {mfa_token, webauthn}
// (api/mfa_handlers.h), which verifies it through passkey_proof() below.
//
// An unknown email, a disabled user's and a user without passkeys get options of the same shape
// (auth/passkeys.h: no allowCredentials), so the options do not tell which emails have accounts.
// A refused assertion is one bland 401 whatever the cause (the cause is audited: passkey.refused,
// and login.failure), counted in the login metrics. A passkey cannot be guessed (each attempt is
// a signature by a private key the server never sees), so a passwordless sign-in is not subject
// to the password lockout: an attacker guessing a user's password cannot lock them out of
// their passkey.
#pragma once

#include <functional>
#include <string>

#include "api/api_context.h"
#include "auth/auth_context.h"
#include "http/router.h"

namespace tessera::api {

// The proof the second step of a login takes for `response_json` (an AuthenticationResponseJSON):
// it verifies the assertion as a second factor of the user the mfa_token names and returns the
// methods it proved (hwk or swk). Every refusal is kInvalidCode, like a wrong code.
std::function<std::expected<auth::Amr, auth::Error>(const store::UserId&)> passkey_proof(
    const ApiContext& ctx, std::string response_json, auth::RequestContext from);

// Registers the two routes above. `ctx` must outlive the router.
void add_passkey_login_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
