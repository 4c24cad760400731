// The answer to a login, written once for every way of signing in: a password (POST
// /auth/login, /auth/token), its second step (/auth/login/mfa, /auth/token/mfa) and a passkey
// (/auth/passkeys/login). SPEC.md "Second factors and step-up": a login that needs a second
// factor answers 401 mfa_required with the mfa_token and the methods; a completed one hands out
// a NEW credential carrying what was proved (auth_time, amr):
//   - LoginChannel::kBrowser (the /auth/login family): per web.mode, the session cookies and
//     {user, csrf_token}, or the access, refresh and CSRF cookies of a new token family;
//   - LoginChannel::kToken (the /auth/token family): the token response JSON (RFC 6749
//     section 5.1), no cookie.
// Failures go through error_mapping.h and count in the login metrics. Also here: the answer
// that renews an authenticated caller's credential (new_credential).
#pragma once

#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "auth/auth_service.h"
#include "http/router.h"

namespace tessera::api {

enum class LoginChannel : std::uint8_t { kBrowser, kToken };

// The user object of these answers: {id, email, roles}.
nlohmann::ordered_json user_json(const store::User& user);

void answer_login(const ApiContext& ctx, LoginChannel channel,
                  std::expected<auth::LoginResult, auth::Error> result,
                  const auth::RequestContext& from, const http::Responder& respond);

// The answer that hands an authenticated caller its NEW credential after its authentication
// changed (a password change, a step-up, a second factor turned on): `body` plus, for a session
// caller, the CSRF token in the body and the session cookies (`session`); for a token caller
// (`tokens`), the /auth/token JSON for Bearer, or the CSRF token and the token cookies for an
// access-cookie caller. Always Cache-Control: no-store. Null where the caller has none; a
// missing one is a 500.
http::Response new_credential(const ApiContext& ctx, AuthMethod method, nlohmann::ordered_json body,
                              const auth::NewSession* session, const auth::TokenPair* tokens);

}  // namespace tessera::api
