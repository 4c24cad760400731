// Access tokens and refresh-token families (SPEC.md "Tokens", "Revocation").
//
// Access token: a JWS signed by the keyring's active key, header {alg, typ:"at+jwt", kid},
// claims iss sub aud iat exp jti sid roles auth_time (RFC 9068). `jti` is
// base64url(issue time in ms, 6 bytes big-endian || 16 random bytes): unique, and it lets
// revocation compare a token's issue time with a user's not-before to the millisecond
// (logout-all at 12:00:00.400 kills a token issued at .300 but not a new login's at .500),
// which the whole-second `iat` cannot. Only this service reads that structure; to everyone
// else the jti is opaque.
//
// Verification (verify()): size cap, then a bounded cache of already verified tokens (keyed by
// the SHA-256 of the token text, tagged with the keyring version, honouring exp), else the
// full jose::verify_jwt against next+active+retired keys with the algorithm pinned to the key;
// then ALWAYS the revocation check (not-before, Bloom filter + denylist; only a filter hit
// asks the store, which verify_locally() leaves to its caller).
//
// Refresh families (store/refresh_store.h): login starts a family at generation 1 and hands
// out its token (auth/refresh_token_format.h: the family id and generation under a MAC of the
// refresh key). refresh() checks the MAC first (a token that fails it never reaches a store,
// so nobody can name a generation of someone else's family), then rotates the family to the
// next generation atomically (store::RefreshStore::rotate): exactly one of N concurrent
// presentations wins. Presenting an earlier generation, however old, is reuse: the family is
// revoked and audited - except the immediate predecessor within reuse_grace of the rotation,
// which gets the SAME successor again (the current generation's token, which the key makes
// anew: nothing stored, never a new branch). Every refresh re-checks the family's absolute and
// idle lifetimes and that the user still exists, is enabled and has not changed password since
// the family began. Families from before generations still present their random legacy tokens
// (found by hash); the first refresh moves such a family to generation 1.
//
// Thread-safe. REQUIRES: every referenced service and store outlives this object.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/errors.h"
#include "auth/hash_cache.h"
#include "auth/keyring.h"
#include "auth/refresh_token_format.h"
#include "auth/revocation.h"
#include "base/clock.h"
#include "store/refresh_store.h"
#include "store/user_store.h"

namespace tessera::auth {

struct TokenConfig {
  std::string issuer = "http://127.0.0.1:8080";       // "iss"; the server's public URL
  std::string audience = "tessera";                   // "aud"
  std::int64_t access_ttl = 15 * 60;                  // seconds
  std::int64_t leeway = 30;                           // clock skew accepted on exp/nbf/iat
  std::int64_t refresh_absolute = 30 * 24 * 60 * 60;  // a family's whole life
  std::int64_t refresh_idle = 7 * 24 * 60 * 60;       // longest gap between two refreshes
  std::int64_t reuse_grace = 0;  // seconds after a rotation in which the old token gets the
                                 // same successor again (two tabs); 0: any reuse revokes
  std::size_t verify_cache_capacity = 100'000;  // 0: verify every token in full
  // Keys the CSRF tokens of web.mode = "jwt" (csrf_token()). Every node of a deployment must
  // use the same one (app/services.cc derives it from the master key). Empty: a random secret
  // for this process only.
  std::string csrf_secret;
  // Keys refresh tokens (auth/refresh_token_format.h). Every node of a deployment must use the
  // same one (app/services.cc derives it from the master key and the store's refresh secret).
  // Empty: a random key for this process only.
  std::string refresh_key;
  // How long a revoked family is kept before purge() deletes it, so that a late reuse is still
  // recognised as such (seconds).
  std::int64_t keep_revoked = 7 * 24 * 60 * 60;
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
  TokenIdentity revocation;  // for the revocation check (hashes made once, at verification)
};

struct TokenPair {
  AccessToken access;
  std::string refresh_token;            // raw; only here and with the client
  std::int64_t refresh_expires_at = 0;  // the family's absolute end
  store::RefreshFamily family;
  std::string sid;
};

// Why a refresh failed, for audit and tests; clients only ever see kUnauthenticated.
enum class RefreshFailure : std::uint8_t {
  kMalformed,
  kForged,  // the shape of a token, but not this deployment's MAC
  kUnknown,
  kFamilyRevoked,
  kExpired,
  kUserGone,
  kPasswordChanged,
  kReuse,
  kNotIssued,  // a valid MAC on a generation the family never reached (an older database)
};

class TokenService {
 public:
  TokenService(std::shared_ptr<store::RefreshStore> refresh,
               std::shared_ptr<store::UserStore> users, KeyringService& keyring,
               RevocationService& revocation, AuditService& audit, const base::Clock& clock,
               TokenConfig config);

  // After a successful login: a new family for `user` and its first pair.
  std::expected<TokenPair, Error> start(const store::User& user, std::string_view ip,
                                        std::string_view user_agent);

  // POST /auth/refresh. kUnauthenticated for every failure (last_failure() in tests says
  // why); kUnavailable when a store cannot answer.
  std::expected<TokenPair, Error> refresh(std::string_view raw_refresh_token, std::string_view ip,
                                          std::string_view user_agent);

  // A fresh access token for `user` in family `sid`, issued at `issued_ms` (used by
  // start/refresh, which take that time before touching the family).
  std::expected<AccessToken, Error> issue_access(const store::User& user, std::string_view sid,
                                                 std::int64_t auth_time, std::int64_t issued_ms);

  // The bearer/access-cookie check. kUnauthenticated (malformed, bad signature, unknown key,
  // expired, wrong iss/aud/typ, revoked); kUnavailable (revocation state unknown).
  std::expected<std::shared_ptr<const AccessPrincipal>, Error> verify(std::string_view token);
  // The same without a store call, for threads that must never wait on a network (the server's
  // I/O threads): nullopt when only the store can finish the check (the revocation filter may
  // hold the token: RevocationService::is_revoked_locally); then call verify() elsewhere.
  std::optional<std::expected<std::shared_ptr<const AccessPrincipal>, Error>> verify_locally(
      std::string_view token);

  // Logout with an access token: its jti is denied until it expires, and its family revoked
  // with every access token it issued (RevocationService::deny_family).
  std::expected<void, Error> logout(const AccessPrincipal& principal);
  // Logout with a refresh token: its family is revoked (no access token to deny).
  std::expected<void, Error> logout_refresh(std::string_view raw_refresh_token);

  // Logout everywhere, password change, disable, admin revoke: every family of the user
  // revoked and every access token issued so far rejected. Returns families revoked.
  std::expected<std::size_t, Error> revoke_user(const store::UserId& user, std::string_view reason);

  // The user's live families (GET /auth/sessions in web.mode = "jwt").
  std::expected<std::vector<store::RefreshFamily>, Error> families(const store::UserId& user);

  // DELETE /auth/sessions/{id}: revokes `user`'s live family named `sid`, and denies its
  // access tokens. kNotFound if the
  // user has no such live family (another user's sid included: no probing).
  std::expected<store::RefreshFamily, Error> revoke_family(const store::UserId& user,
                                                           std::string_view sid,
                                                           std::string_view reason);

  // The sid of the family a raw refresh token belongs to, whatever its state (the cookie
  // variant of /auth/refresh checks its CSRF token before rotating anything): read from the
  // token once its MAC holds (no store call), or from a legacy token's record.
  // kUnauthenticated if malformed, forged or an unknown legacy token; kUnavailable if the
  // store cannot answer.
  std::expected<std::string, Error> sid_of_refresh(std::string_view raw_refresh_token);

  // Deletes families past their absolute or idle lifetime, and revoked ones older than
  // keep_revoked (call periodically). Returns how many.
  std::expected<std::size_t, Error> purge();

  // The CSRF token bound to family `sid` (web.mode = "jwt"; the double-submit token of
  // SPEC.md "Browser delivery"): base64url of a MAC of the sid under csrf_secret. It stays the
  // same across rotations of the family, a value planted by a sibling domain cannot match
  // without the secret, and another family's token never matches.
  std::string csrf_token(std::string_view sid) const;
  // Whether `presented` is csrf_token(sid); constant time. Empty never matches.
  bool csrf_matches(std::string_view sid, std::string_view presented) const;

  // base64url of the family id: names the family in `sid` and in listings.
  static std::string sid_of(const store::FamilyId& id);
  // The issue time encoded in one of our jti values; nullopt if it is not one.
  static std::optional<std::int64_t> issued_ms_of(std::string_view jti);

  const TokenConfig& config() const { return config_; }
  // Wiring only, before serving (the server's URL is known once it is bound).
  void set_issuer(std::string issuer) { config_.issuer = std::move(issuer); }
  RefreshFailure last_failure() const { return last_failure_.load(); }

 private:
  // verify() (`locally` false: never nullopt) and verify_locally().
  std::optional<std::expected<std::shared_ptr<const AccessPrincipal>, Error>> check(
      std::string_view token, bool locally);
  // What a presented raw refresh token names: its family and generation (from the token
  // itself, MAC checked: no store call), or for a legacy token its record (one store read).
  struct Presented {
    store::FamilyId family{};
    std::int64_t generation = 0;
    std::optional<store::LegacyTokenInFamily> legacy;
  };
  // kUnauthenticated if malformed, forged or an unknown legacy token (`why` says which);
  // kUnavailable if the store cannot answer.
  std::expected<Presented, Error> presented(std::string_view raw, RefreshFailure& why);
  std::expected<TokenPair, Error> fail(RefreshFailure why);
  // Denies every access token of family `sid` (they all expire within access_ttl + leeway).
  std::expected<void, Error> deny_family(std::string_view sid);
  // A presentation of `generation` in `family`, which is past it: the grace rule's second tab
  // (the same successor), or reuse (the family revoked). `legacy`: the presented token was a
  // legacy one already used before generations (its own grace rule, below). `user` is the
  // family's user as refresh() loaded and checked it (not read again); `presenter` is who
  // presented the token (its address and user agent go in the audit event: the likely
  // thief), with the family's user as the account concerned.
  std::expected<TokenPair, Error> reuse(const store::RefreshFamily& family, std::int64_t generation,
                                        const store::LegacyTokenInFamily* legacy,
                                        std::string_view raw_presented, const store::User& user,
                                        std::int64_t now, std::int64_t issued_ms,
                                        const AuditActor& presenter);
  std::expected<TokenPair, Error> pair_for(const store::RefreshFamily& family,
                                           const store::User& user, std::string refresh_token,
                                           std::int64_t issued_ms);

  std::shared_ptr<store::RefreshStore> refresh_;
  std::shared_ptr<store::UserStore> users_;
  KeyringService& keyring_;
  RevocationService& revocation_;
  AuditService& audit_;
  const base::Clock& clock_;
  TokenConfig config_;
  RefreshTokenFormat format_;  // keyed by config_.refresh_key
  HashCache<AccessPrincipal> verified_;
  std::atomic<RefreshFailure> last_failure_{RefreshFailure::kMalformed};
};

}  // namespace tessera::auth
