// Which credential a request presents: the ONE rule, shared by every authenticated handler
// (api/authenticator.h) and by /auth/verify (api/verify_handler.cc). Looked for in this order:
//   1. `Authorization: Bearer <access token>` (native clients, services). When the header is
//      there it alone decides: a refused token is a 401, never a fall-back to cookies.
//   2. The session cookie (web.mode = "session"; its name: api/cookie_names.h).
//   3. The access cookie (web.mode = "jwt").
// The Cookie header is read as http/cookies.h says: pairs that are not ours, nameless or
// malformed ones included, are ignored (any page on a sibling domain can plant them); a value
// we could not have minted is no credential. One of our cookies sent twice (a sibling domain
// can add a second one: RFC 6265 section 8.6) makes the request ambiguous: guessing which
// cookie is meant is how cookie-tossing attacks work, so it is refused, never resolved.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/cookie_names.h"
#include "auth/access_tokens.h"
#include "auth/auth_context.h"
#include "auth/sessions.h"
#include "http/cookies.h"
#include "http/message.h"

namespace tessera::api {

enum class AuthMethod : std::uint8_t { kSessionCookie, kAccessCookie, kBearer };

// The credential a request presents, not yet checked.
struct Credential {
  AuthMethod method = AuthMethod::kBearer;
  // A view into the request (Bearer) or into the cookie jar passed to presented_credential.
  std::string_view value;
};

// Why no credential could be chosen.
enum class CredentialRefusal : std::uint8_t {
  kNone,              // nothing presented
  kBadAuthorization,  // several Authorization fields, another scheme, or a malformed token
  kDuplicateSession,  // the session cookie sent more than once
  kDuplicateAccess,   // the access cookie sent more than once
};

// Steps 1-3 above, with the cookies named by `names`. `jar` receives the parsed Cookie header
// (only when there is no Authorization field) and must outlive the returned view.
std::expected<Credential, CredentialRefusal> presented_credential(const http::Request& req,
                                                                  const CookieNames& names,
                                                                  http::Cookies& jar);

// One of our cookies from `jar`: its value, nullopt when absent or not a value we could have
// minted; kDuplicate... when it was sent more than once (the refresh cookie reads this too).
enum class CookieRefusal : std::uint8_t { kDuplicate };
std::expected<std::optional<std::string_view>, CookieRefusal> single_cookie(
    const http::Cookies& jar, std::string_view name);

// The access token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1: scheme
// case-insensitive, one space, a b64token). nullopt when there is no Authorization field;
// kBadAuthorization when there are several, another scheme, or a malformed token.
std::expected<std::optional<std::string_view>, CredentialRefusal> bearer_token(
    const http::Request& req);

// Who a request is from and with what, once its credential was checked.
struct Authenticated {
  AuthMethod method = AuthMethod::kSessionCookie;
  store::User user;  // as stored now
  std::string sid;   // public id of the session, or the sid of the token's family
  // kSessionCookie only: the session (shared with the session cache, immutable) and the cookie
  // value (never logged, never echoed).
  std::shared_ptr<const auth::CurrentSession> session;
  std::string raw_session_id;
  // kAccessCookie and kBearer: what the access token says.
  std::shared_ptr<const auth::AccessPrincipal> access;

  bool by_cookie() const { return method != AuthMethod::kBearer; }
  // When and how the user last proved a credential: the session's record or the token's
  // claims. Methods a session row holds that do not parse count as none (never as stronger).
  auth::Authentication authentication() const;
};

}  // namespace tessera::api
