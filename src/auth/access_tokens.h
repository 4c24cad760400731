// Access tokens: issuing, verifying and revoking them (SPEC.md "Tokens", "Revocation").
//
// An access token is a JWS signed by the keyring's active key, header {alg, typ:"at+jwt", kid},
// claims iss sub aud iat exp jti sid roles auth_time amr acr (RFC 9068 section 2.2.1; the methods
// and level of auth/auth_context.h), plus client_id and scope when an OAuth client obtained it
// (RFC 9068 section 2.2). Two kinds:
//   a user's     sub = the user's UUID, sid = its refresh family (first-party login or an OAuth
//                grant that acts for the user);
//   a service's  the client credentials grant (RFC 6749 section 4.4): sub = client_id, no sid,
//                no roles, no auth_time, no amr. verify() marks it (AccessPrincipal::service) and
//                every caller that needs a user refuses it. `jti` is
// base64url(issue time in ms, 6 bytes big-endian || 16 random bytes): unique, and it lets
// revocation compare a token's issue time with a user's not-before to the millisecond
// (logout-all at 12:00:00.400 kills a token issued at .300 but not a new login's at .500),
// which the whole-second `iat` cannot: a published format (verifier/jti.h).
//
// Verification (verify()): size cap, then a bounded cache of already verified tokens (keyed by
// the SHA-256 of the token text, tagged with the keyring version, honouring exp), else the
// full jose::verify_jwt against next+active+retired keys with the algorithm pinned to the key;
// then ALWAYS the revocation check (not-before, Bloom filter + denylist; only a filter hit
// asks the store, which verify_locally() leaves to its caller).
//
// Revocation of access tokens lives here too (revoke(), revoke_family()): this class knows how
// long the tokens it issued can live, which is how long a denial must last.
//
// Thread-safe. REQUIRES: the keyring, revocation service and clock outlive this object.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_context.h"
#include "auth/errors.h"
#include "auth/keyring.h"
#include "auth/revocation.h"
#include "base/clock.h"
#include "base/json_text.h"
#include "store/user_store.h"
#include "tessera/jwt.h"
#include "verifier/access_claims.h"
#include "verifier/hash_cache.h"

namespace tessera::auth {

struct AccessTokenConfig {
  std::string issuer = "http://127.0.0.1:8080";  // "iss"; the server's public URL
  std::string audience = "tessera";              // "aud"
  std::int64_t ttl = 15 * 60;                    // seconds
  std::int64_t leeway = 30;                      // clock skew accepted on exp/nbf/iat
  std::size_t verify_cache_capacity = 100'000;   // 0: verify every token in full
};

// What an OAuth grant adds to a user's access token: the client it was issued to and the scope
// it grants (space-separated). Empty client_id: a first-party token (neither claim).
struct TokenGrant {
  std::string client_id;
  std::string scope;
};

struct AccessToken {
  std::string token;
  std::string jti;
  std::int64_t issued_ms = 0;
  std::int64_t expires_at = 0;  // Unix seconds ("exp")
};

// What a valid access token says. Immutable; shared with the verified-token cache.
struct AccessPrincipal {
  store::UserId user{};
  std::string user_uuid;  // `sub`
  std::vector<std::string> roles;
  std::string sid;  // the family's public id
  std::string jti;
  std::int64_t issued_ms = 0;
  std::int64_t expires_at = 0;
  std::int64_t auth_time = 0;
  Amr amr;                // empty in tokens issued before amr was carried
  std::string client_id;  // "" for a first-party token
  std::string scope;      // "" for a first-party token
  bool service = false;   // client credentials: no user (user is all zero, sid ""): sub = client_id
  TokenIdentity revocation;  // for the revocation check (hashes made once, at verification)
};

class AccessTokens {
 public:
  AccessTokens(KeyringService& keyring, RevocationService& revocation, const base::Clock& clock,
               AccessTokenConfig config);

  // A fresh access token for `user` in family `sid`, issued at `issued_ms` (the caller takes
  // that time before touching the family: RefreshFamilies::revoke_user says why).
  // kUnavailable when there is no signing key.
  // `auth_time` and `amr` say when and how the user authenticated (claims auth_time, amr and
  // the acr they reach: auth/auth_context.h).
  std::expected<AccessToken, Error> issue(const store::User& user, std::string_view sid,
                                          std::int64_t auth_time, const Amr& amr,
                                          std::int64_t issued_ms, const TokenGrant& grant = {});
  // A service's token (client credentials): sub = client_id = `client_id`, `scope`. Same errors.
  std::expected<AccessToken, Error> issue_service(std::string_view client_id,
                                                  std::string_view scope, std::int64_t issued_ms);

  // The bearer/access-cookie check. kUnauthenticated (malformed, bad signature, unknown key,
  // expired, wrong iss/aud/typ, revoked); kUnavailable (revocation state unknown).
  std::expected<std::shared_ptr<const AccessPrincipal>, Error> verify(std::string_view token);
  // The same without a store call, for threads that must never wait on a network (the server's
  // I/O threads): nullopt when only the store can finish the check (the revocation filter may
  // hold the token: RevocationService::is_revoked_locally); then call verify() elsewhere.
  std::optional<std::expected<std::shared_ptr<const AccessPrincipal>, Error>> verify_locally(
      std::string_view token);

  // This token's jti is denied until the token expires.
  std::expected<void, Error> revoke(const AccessPrincipal& principal);
  // Every access token of family `sid` is denied (they all expire within ttl + leeway of now).
  std::expected<void, Error> revoke_family(std::string_view sid);

  // The issue time encoded in one of our jti values; nullopt if it is not one.
  static std::optional<std::int64_t> issued_ms_of(std::string_view jti);

  const AccessTokenConfig& config() const { return config_; }
  // Wiring only, before serving (the server's URL is known once it is bound).
  void set_issuer(std::string issuer) {
    config_.issuer = std::move(issuer);
    policy_ = verifier::access_token_policy(config_.issuer, config_.audience, config_.leeway);
  }

 private:
  // Adds iss aud iat exp jti to `claims` and signs them. The claims are written as text
  // (base/json_text.h), not built as an nlohmann tree: on the token endpoint and every refresh
  // the tree and its dump cost about a tenth of the request besides the signature.
  std::expected<AccessToken, Error> sign(base::JsonObjectWriter claims, std::int64_t issued_ms);
  // verify() (`locally` false: never nullopt) and verify_locally().
  std::optional<std::expected<std::shared_ptr<const AccessPrincipal>, Error>> check(
      std::string_view token, bool locally);

  KeyringService& keyring_;
  RevocationService& revocation_;
  const base::Clock& clock_;
  AccessTokenConfig config_;
  // The claims policy of config_, built once (not per verification).
  jose::ClaimsPolicy policy_;
  verifier::HashCache<AccessPrincipal> verified_;
};

}  // namespace tessera::auth
