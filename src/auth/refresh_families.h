// Refresh-token families (SPEC.md "Tokens", "Revocation"; store/refresh_store.h).
//
// Login starts a family at generation 1 and hands
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
// Each pair's access token comes from AccessTokens; ending a family also denies the access
// tokens it issued (AccessTokens::revoke_family), since they carry its sid.
//
// Thread-safe. REQUIRES: every referenced service and store outlives this object.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_tokens.h"
#include "auth/audit.h"
#include "auth/auth_context.h"
#include "auth/errors.h"
#include "auth/refresh_token_format.h"
#include "auth/revocation.h"
#include "base/clock.h"
#include "store/refresh_store.h"
#include "store/user_store.h"

namespace tessera::auth {

struct RefreshFamilyConfig {
  std::int64_t absolute_lifetime = 30 * 24 * 60 * 60;  // a family's whole life
  std::int64_t idle_timeout = 7 * 24 * 60 * 60;        // longest gap between two refreshes
  std::int64_t reuse_grace = 0;  // seconds after a rotation in which the old token gets the
                                 // same successor again (two tabs); 0: any reuse revokes
  // Keys refresh tokens (auth/refresh_token_format.h). Every node of a deployment must use the
  // same one (app/services.cc derives it from the master key and the store's refresh secret).
  // Empty: a random key for this process only.
  std::string key;
  // How long a revoked family is kept before purge() deletes it, so that a late reuse is still
  // recognised as such (seconds).
  std::int64_t keep_revoked = 7 * 24 * 60 * 60;
};

// A family started for an OAuth client (RFC 6749 section 4.1.3's grant): bound to the client,
// with the scope granted and the user's authentication time from the authorization. Empty
// client_id: a first-party login (auth_time is then now).
struct FamilyGrant {
  std::string client_id;
  std::string scope;                       // space-separated
  std::int64_t auth_time = 0;              // when the user authenticated; 0 (first-party): now
  Amr amr = Amr::of(AuthMethodRef::kPwd);  // how the user authenticated (auth_context.h)
};

// Who presents a refresh token (RFC 6749 section 6): first-party (/auth/refresh, client_id "")
// or the OAuth client it must have been issued to, which may ask for a narrower scope for the
// new access token (the family keeps its own).
struct RefreshPresenter {
  std::string client_id;
  std::optional<std::string> scope;  // nullopt: the family's scope. REQUIRES: within it
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
  kNotIssued,    // a valid MAC on a generation the family never reached (an older database)
  kWrongClient,  // the family belongs to another client (or is first-party, or an OAuth one at
                 // /auth/refresh): the token leaked, and the family is revoked
};

// What one refresh() call did, for metrics (api/token_handlers.cc counts it). Clients only
// ever see a new pair or kUnauthenticated; this is per call, unlike last_failure().
enum class RefreshOutcome : std::uint8_t {
  kRotated,      // the family's current token: a new pair
  kGrace,        // its predecessor within reuse_grace: the same successor again
  kRefused,      // kUnauthenticated; RefreshReport::failure says why
  kUnavailable,  // a store (or the signer) failed: nothing decided
};
struct RefreshReport {
  RefreshOutcome outcome = RefreshOutcome::kUnavailable;
  RefreshFailure failure = RefreshFailure::kMalformed;  // meaningful when kRefused
};

class RefreshFamilies {
 public:
  RefreshFamilies(std::shared_ptr<store::RefreshStore> refresh,
                  std::shared_ptr<store::UserStore> users, AccessTokens& access,
                  RevocationService& revocation, AuditService& audit, const base::Clock& clock,
                  RefreshFamilyConfig config);

  // After a successful login (or an OAuth grant: `grant`): a new family for `user` and its
  // first pair.
  std::expected<TokenPair, Error> start(const store::User& user, std::string_view ip,
                                        std::string_view user_agent, const FamilyGrant& grant = {});

  // POST /auth/refresh, and the OAuth refresh grant (`as`: the authenticated client). A family
  // of another client (first-party ones included) is revoked and refused (kWrongClient): the
  // token was presented by someone it was not issued to (RFC 6749 section 10.4).
  // kUnauthenticated for every failure (last_failure() in tests says why); kUnavailable when a
  // store cannot answer.
  // `report`, when given, says what this call did.
  std::expected<TokenPair, Error> refresh(std::string_view raw_refresh_token, std::string_view ip,
                                          std::string_view user_agent,
                                          const RefreshPresenter& as = {},
                                          RefreshReport* report = nullptr);

  // The family a raw refresh token names, as stored (the OAuth refresh grant reads its scope
  // before asking for a narrower one). kUnauthenticated if malformed, forged or unknown;
  // kUnavailable.
  std::expected<store::RefreshFamily, Error> family_of(std::string_view raw_refresh_token);

  // The family a raw refresh token names, only if that token would refresh now: the family's
  // CURRENT token (a rotated-away one is not), the family live and within both lifetimes
  // (RFC 7662 "active"). Changes nothing. kUnauthenticated otherwise; kUnavailable.
  std::expected<store::RefreshFamily, Error> live_family_of(std::string_view raw_refresh_token);

  // Revokes the family `id` and denies its access tokens (an authorization code presented
  // again: RFC 6749 section 4.1.2). Returns whether this call revoked it; kNotFound.
  std::expected<bool, Error> revoke_family_id(const store::FamilyId& id, std::string_view reason);

  // Logout with an access token: its jti is denied until it expires, and its family revoked
  // with every access token it issued.
  std::expected<void, Error> logout(const AccessPrincipal& principal);
  // Logout with a refresh token: its family is revoked (no access token to deny).
  std::expected<void, Error> logout_refresh(std::string_view raw_refresh_token);

  // Logout everywhere, password change, disable, admin revoke: every family of the user
  // revoked and every access token issued so far rejected. Returns families revoked.
  std::expected<std::size_t, Error> revoke_user(const store::UserId& user, std::string_view reason);

  // The user's live families (GET /auth/sessions in web.mode = "jwt").
  std::expected<std::vector<store::RefreshFamily>, Error> families(const store::UserId& user);

  // DELETE /auth/sessions/{id}: revokes `user`'s live family named `sid`, and denies its
  // access tokens. kNotFound if the user has no such live family (another user's sid
  // included: no probing).
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

  // base64url of the family id: names the family in `sid` and in listings.
  static std::string sid_of(const store::FamilyId& id);

  const RefreshFamilyConfig& config() const { return config_; }
  RefreshFailure last_failure() const { return last_failure_.load(); }

 private:
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
  // kUnauthenticated; records `why` in last_failure() and in `report` when given.
  std::expected<TokenPair, Error> fail(RefreshFailure why, RefreshReport* report = nullptr);
  // refresh() with its report always present.
  std::expected<TokenPair, Error> refresh_reported(std::string_view raw, std::string_view ip,
                                                   std::string_view user_agent,
                                                   const RefreshPresenter& as,
                                                   RefreshReport& report);
  // The family `token` names, as stored. kUnauthenticated if unknown; kUnavailable.
  std::expected<store::RefreshFamily, Error> family_named(const Presented& token);
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
                                        std::string_view scope, const AuditActor& presenter,
                                        RefreshReport& report);
  // `scope`: the access token's (the family's, or narrower); ignored for a first-party family.
  std::expected<TokenPair, Error> pair_for(const store::RefreshFamily& family,
                                           const store::User& user, std::string refresh_token,
                                           std::int64_t issued_ms, std::string_view scope);

  std::shared_ptr<store::RefreshStore> refresh_;
  std::shared_ptr<store::UserStore> users_;
  AccessTokens& access_;
  RevocationService& revocation_;
  AuditService& audit_;
  const base::Clock& clock_;
  RefreshFamilyConfig config_;
  RefreshTokenFormat format_;  // keyed by config_.key
  std::atomic<RefreshFailure> last_failure_{RefreshFailure::kMalformed};
};

}  // namespace tessera::auth
