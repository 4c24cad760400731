// How a verified access token of Tessera's is read (SPEC.md "Tokens"; RFC 9068), by the server
// (auth/access_tokens.h) and by the installed library (tessera/verifier.h) alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tessera/jwt.h"
#include "verifier/revocation_mirror.h"

namespace tessera::verifier {

// The claims policy of an access token: typ at+jwt, iss and aud as given, leeway on times, and
// iss sub aud exp iat jti present.
jose::ClaimsPolicy access_token_policy(std::string issuer, std::string audience,
                                       std::int64_t leeway_seconds);

// What revocation needs of a token. Two kinds of token:
//   a user's     sub = the user's UUID, sid = its refresh family;
//   a service's  (client credentials) no sid, and sub = client_id: no user (user all zero).
struct AccessFacts {
  UserKey user{};
  bool service = false;
  std::int64_t issued_ms = 0;  // from the jti (verifier/jti.h)
};
// nullopt when the claims are not those of a token Tessera issued (a sub that is not a UUID, a
// service token whose sub is not its client_id, a jti of another format, no exp).
std::optional<AccessFacts> access_facts(const jose::Claims& claims);

}  // namespace tessera::verifier
