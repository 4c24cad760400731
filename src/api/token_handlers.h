// The token endpoints for native and API clients (SPEC.md "HTTP API", "Tokens"):
//
//   POST /auth/token    {"email","password"[,"totp"]}
//     200 {"access_token", "token_type":"Bearer", "expires_in", "refresh_token"} and
//     Cache-Control: no-store (RFC 6749 section 5.1). The login rules are /auth/login's (rate
//     limits, one 401 for unknown email / wrong password / disabled user); a refresh family
//     starts (auth/refresh_families.h). No cookie is set.
//   POST /auth/refresh  {"refresh_token"}
//     200, same shape: the rotated pair. 401 for anything else - unknown, used (reuse revokes
//     the whole family), expired, revoked, or a user disabled or whose password changed.
//
//   POST /auth/refresh  with an EMPTY body: the browser's variant (web.mode = "jwt"). The
//     refresh token comes from the __Secure-tessera_refresh cookie (Path=/auth/refresh,
//     SameSite=Strict), and the request is cookie-authenticated, so the CSRF rule applies
//     before anything rotates: an allowed Origin (or Referer) AND X-CSRF-Token equal to the
//     family's CSRF token (auth::FamilyCsrf), else 403. 200 {"csrf_token",
//     "expires_in"} with the rotated access, refresh and CSRF cookies; a 401 clears them all
//     (the family is dead: there is nothing left to refresh).
//
// /auth/refresh runs on the store pool (ApiOptions::store_pool), off the I/O threads: a
// rotation is a store write. 503 when the pool's queue is full.
//
// JSON bodies are strict (api/json_body.h); the JSON variants take no cookie, so no CSRF
// check applies to them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/api_context.h"
#include "http/router.h"

namespace tessera::api {

// What an RFC 6749 section 5.1 answer carries. Empty refresh_token, id_token: left out;
// scope nullopt: left out (RFC 6749 section 5.1: "OPTIONAL, if identical to the scope
// requested").
struct TokenBody {
  std::string_view access_token;
  std::int64_t expires_in = 0;
  std::string_view refresh_token;
  std::string_view id_token;
  std::optional<std::string_view> scope;
};

// The RFC 6749 section 5.1 body as JSON text: access_token, token_type "Bearer", expires_in,
// then refresh_token, id_token and scope when present. Written directly (base/json_text.h): it
// is the answer of every refresh and token request. Every token answer is written here.
std::string token_body(const TokenBody& body);

// token_body() of a token pair issued at `now` (Unix seconds): access_token, token_type
// "Bearer", expires_in, refresh_token; as text, and as a tree for the answers that add members
// to it (a Bearer login's user, POST /auth/password for Bearer callers).
std::string token_text(const auth::TokenPair& pair, std::int64_t now);
nlohmann::ordered_json token_json(const auth::TokenPair& pair, std::int64_t now);

// Registers the routes above. `ctx` must outlive the router.
void add_token_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
