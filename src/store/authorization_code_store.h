// OAuth 2.0 authorization codes (RFC 6749 section 4.1; SPEC.md "OAuth 2.0 / OpenID Connect").
// /oauth2/authorize issues one per approved request; /oauth2/token redeems it once, on any node
// (the code lives in the backend, beside the clients, also when a cache is configured).
// Implementations: memory/, sqlite/, postgres/. Thread-safe; every method completes entirely or
// changes nothing.
//
// A code is 256 random bits handed to the client once; the store keeps only its SHA-256
// (`hash`, as for session ids: types.h TokenHash), so a leaked database redeems nothing.
//
// Redemption (the token service's, auth/): find() the code, check its client, redirect URI,
// PKCE verifier and expiry, start the refresh family its tokens belong to, then redeem(): the
// one atomic step, which marks the code used and records that family. Of N concurrent
// redemptions exactly one wins; a loser, and every later presentation of the code, is a replay:
// the caller revokes the family the winner recorded (RFC 6749 section 4.1.2, "SHOULD revoke
// all tokens previously issued based on that authorization code"). A redeemed code is kept
// until purge() so that a replay is still recognised.
//
// A code goes when its client is removed (ClientStore::remove; the SQL backends cascade).
//
// The policy (lifetime, checks, what a replay revokes) is the token service's; the store keeps
// records and makes redemption atomic. REQUIRES: every string is valid UTF-8 without NUL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>

#include "store/refresh_store.h"
#include "store/types.h"

namespace tessera::store {

struct AuthorizationCode {
  TokenHash hash{};              // SHA-256 of the raw code; unique
  std::string client_id;         // the client it was issued to
  UserId user_id{};              // the user who approved it
  std::string redirect_uri;      // exactly as the authorization request gave it
  std::string scope;             // granted scopes, space-separated
  std::string nonce;             // OIDC nonce from the request, "" if none
  std::string code_challenge;    // PKCE S256 challenge (RFC 7636), "" if none
  std::int64_t auth_time = 0;    // when the user last proved a credential (Unix seconds)
  std::string amr;               // authentication methods (RFC 8176), space-separated
  std::int64_t created_at = 0;   // Unix seconds
  std::int64_t expires_at = 0;   // Unix seconds; the code redeems only before it
  std::int64_t redeemed_at = 0;  // 0: not yet; else when (stored as at least 1)
  FamilyId family{};             // with redeemed_at: the refresh family the redemption started
};

class AuthorizationCodeStore {
 public:
  virtual ~AuthorizationCodeStore() = default;

  // Stores `code`, every field as given. kConflict if the hash exists, kNotFound if its client
  // does not (nothing is stored either way). REQUIRES: redeemed_at >= 0.
  virtual std::expected<void, StoreError> create(const AuthorizationCode& code) = 0;

  // The code with this hash, redeemed or not. kNotFound if unknown (or purged).
  virtual std::expected<AuthorizationCode, StoreError> find(const TokenHash& hash) = 0;

  // If the code is not redeemed: marks it redeemed at `now` (at least 1) by `family`, and returns
  // true. Otherwise changes nothing and returns false (the redemption that won recorded its
  // family; find() reads it). Of N concurrent calls for one code (from any number of threads or
  // processes), exactly one gets true. kNotFound if unknown.
  virtual std::expected<bool, StoreError> redeem(const TokenHash& hash, std::int64_t now,
                                                 const FamilyId& family) = 0;

  // Deletes every code whose expires_at is before `before` (redeemed or not). Returns how many.
  virtual std::expected<std::size_t, StoreError> purge(std::int64_t before) = 0;
};

}  // namespace tessera::store
