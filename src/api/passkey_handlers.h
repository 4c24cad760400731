// The account's passkeys (SPEC.md "Second factors and step-up"; W3C WebAuthn Level 3, the JSON
// forms of section 5.1.8-5.1.9), for the account page:
//
//   POST   /auth/passkeys/register/options  {} -> 200 {"publicKey":
//                                    PublicKeyCredentialCreationOptionsJSON}; needs a RECENT
//                                    authentication (auth.step_up_max_age), else 401
//                                    insufficient_user_authentication
//   POST   /auth/passkeys/register   the bare RegistrationResponseJSON -> 201 {"passkey": P};
//                                    400 for a response or challenge that does not verify,
//                                    409 for a credential registered already
//   GET    /auth/passkeys            200 {"passkeys": [P, ...]}, oldest first
//   PATCH  /auth/passkeys/{id}       {"name"} -> 200 {"passkey": P}
//   DELETE /auth/passkeys/{id}       204; needs a recent authentication (removing a factor)
//
// where P = {id, credential_id (both base64url), name, created_at, last_used_at (null when never
// used)}. An id that is not one of the caller's passkeys - unknown, malformed or another
// user's - is 404, the same for all. While passkeys are off (no RP id) the ceremonies answer 503
// saying what to configure; listing, renaming and removing still work.
//
// Authenticated like the rest of /auth/* (api/authenticator.h; CSRF for cookie callers). The
// decisions are auth::PasskeyService's (auth/passkeys.h). The sign-in routes
// (/auth/passkeys/login/options, /auth/passkeys/login) are not here.
#pragma once

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// Registers the routes above. `ctx` must outlive the router.
void add_passkey_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
