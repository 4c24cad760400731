// Refresh-token families (SPEC.md "Tokens") in constant space. A family starts at login at
// generation 1; every refresh rotates it to the next generation. The family's one row holds
// the CURRENT generation and when it was issued, and nothing is written per token: a family
// rotated 10,000 times takes the space of one never rotated. Implementations: memory/,
// sqlite/, postgres/. Thread-safe; every method completes entirely or changes nothing.
//
// Why this is enough (the token format is auth/refresh_token_format.h): a refresh token is
// the family id, a generation and a MAC over both under the deployment's refresh key. The
// token service checks the MAC before it asks the store anything, so a token that reaches
// rotate() was issued by this deployment for that family and generation; what the store must
// decide is only where that generation stands against the family's current one:
//   equal    the current token: rotate (exactly one of N concurrent callers);
//   lower    a token rotated away before: reuse, or the grace rule's second tab (the token
//            service decides; the grace rule's "same successor" is simply the current
//            generation's token, which the MAC key re-creates);
//   higher   never issued (a database restored from an older backup): refused, no revocation.
// So every earlier token of a family is recognised as such, however old, and nobody who knows
// only a family id (the `sid` every service sees) can name one: without the key they cannot
// make a token the store would ever be asked about.
//
// What the refresh key is, and what each secret alone gives (app/services.cc derives it):
// key = derive_key(master key, label || refresh secret), where the refresh secret is 32 random
// bytes stored in this store (token_secret(), written once by the first node to start).
//   the database alone   family ids, generations, the refresh secret: no key, so no token;
//   the master key alone no refresh secret, so no key: no token, not even for a known sid;
//   both                 the key: any family's current token can be made (as can any access
//                        token, since the signing keys are sealed under the same master key).
//
// Families from before generations (SQLite migration 0005, PostgreSQL 0004) are at
// generation 0: their current token is still the random token of the legacy table, found by
// its hash (find_legacy()); the first refresh with it rotates the family to generation 1 like
// any rotation from 0. Their earlier (used) tokens stay in that table, so reusing one is still
// recognised, until the family is purged. Nothing is written to that table any more.
//
// The policy (lifetimes, grace, what reuse means) is the token service's; the store keeps
// records and makes rotation atomic.
//
// A time that marks a state change (a family's revoked_at) is stored as at least 1, because 0
// means "not yet": a call with `now` <= 0 (a fake clock) still marks it.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

// 128 random bits naming a family.
using FamilyId = std::array<std::uint8_t, 16>;

// The refresh secret's size (token_secret()).
inline constexpr std::size_t kRefreshSecretBytes = 32;

struct RefreshFamily {
  FamilyId id{};
  UserId user_id{};
  std::int64_t created_at = 0;  // Unix seconds; start of the absolute lifetime
  // The current token's generation: 1 at login, +1 per rotation; 0 only for a family from
  // before generations whose legacy token has not been presented since (see above).
  std::int64_t generation = 1;
  // When the current generation was issued (the last rotation; creation at first), which the
  // idle lifetime runs from.
  std::int64_t last_used_at = 0;
  std::int64_t auth_time = 0;  // when the user last proved a credential
  std::string amr = "pwd";     // how (auth/auth_context.h: RFC 8176 values, space-separated)
  // The user's password_changed_at when the family began: a later password change ends it.
  std::int64_t password_changed_at = 0;
  std::string client_id;        // "" for first-party logins (OAuth clients later)
  std::string scope;            // space-separated, "" for first-party logins
  std::string ip;               // client IP at creation
  std::string user_agent;       // at creation, truncated by the caller
  std::int64_t revoked_at = 0;  // 0: live
  std::string revoked_reason;   // "" while live; e.g. "logout", "reuse", "password"
};

// A token of a family from before generations, as the legacy table keeps it (read only).
struct LegacyToken {
  TokenHash hash{};  // SHA-256 of the raw token
  FamilyId family{};
  std::int64_t issued_at = 0;
  std::int64_t used_at = 0;      // 0: not rotated by the binary that wrote it
  TokenHash successor{};         // when used: the hash of the token it was rotated into
  std::string successor_sealed;  // when used: that token, sealed under a key derived from this
                                 // one (auth/tokens.cc); may be empty
};

struct LegacyTokenInFamily {
  LegacyToken token;
  RefreshFamily family;
};

enum class RotateOutcome : std::uint8_t {
  kRotated,        // the presented generation was current: the family is at the next one now
  kAlreadyUsed,    // the presented generation is below the current one: nothing changed
  kFamilyRevoked,  // the family is revoked: nothing changed
  kNotIssued,      // the presented generation is above the current one: nothing changed
};

struct Rotation {
  RotateOutcome outcome = RotateOutcome::kRotated;
  RefreshFamily family;           // the family AFTER the call
  std::int64_t previous_use = 0;  // its last_used_at BEFORE the call (the idle check's)
  // The family's user as the rotation read it, for a backend that reads it in the same round
  // trip or transaction (postgres/ and sqlite/, where users live in the same database; on
  // kRotated only). user_read
  // false: not read, the caller reads it itself; true: `user` is the user, or nullopt if there
  // is no such user.
  bool user_read = false;
  std::optional<User> user;
};

class RefreshStore {
 public:
  virtual ~RefreshStore() = default;

  // Starts `family`, every field as given (generation and last_used_at included).
  // kConflict if the family id exists (nothing is stored).
  virtual std::expected<void, StoreError> create(const RefreshFamily& family) = 0;

  // The family. kNotFound if unknown.
  virtual std::expected<RefreshFamily, StoreError> find(const FamilyId& family) = 0;

  // The atomic step. If the family is live and at `generation`: moves it to generation + 1,
  // issued at `now` (last_used_at becomes `now`, or stays if it is later) -> kRotated.
  // Otherwise changes nothing: kFamilyRevoked if revoked (checked first), kAlreadyUsed if the
  // family is past `generation`, kNotIssued if before it. kNotFound if unknown. Of N
  // concurrent calls for one family and generation (from any number of threads or processes),
  // exactly one gets kRotated and the others kAlreadyUsed (or kFamilyRevoked).
  virtual std::expected<Rotation, StoreError> rotate(const FamilyId& family,
                                                     std::int64_t generation, std::int64_t now) = 0;

  // A token of the legacy table and its family, by the token's hash. kNotFound if unknown
  // (always, on a store that never had one).
  virtual std::expected<LegacyTokenInFamily, StoreError> find_legacy(const TokenHash& hash) = 0;

  // Revokes the family (revoked_at = now, revoked_reason = reason) if live. Returns whether
  // this call revoked it (false: it was already revoked; its first reason is kept).
  // kNotFound if unknown.
  virtual std::expected<bool, StoreError> revoke_family(const FamilyId& family,
                                                        std::string_view reason,
                                                        std::int64_t now) = 0;

  // Revokes every live family of `user`. Returns how many this call revoked.
  virtual std::expected<std::size_t, StoreError> revoke_user(const UserId& user,
                                                             std::string_view reason,
                                                             std::int64_t now) = 0;

  // The user's LIVE families, newest first (created_at, ties by id descending).
  virtual std::expected<std::vector<RefreshFamily>, StoreError> list(const UserId& user) = 0;

  // Deletes, with their legacy tokens, the families created before `created_before`, or last
  // used (last_used_at) before `used_before`, or revoked before `revoked_before` (revoked ones
  // are kept a while so that a late reuse is still recognised and audited; a live family is
  // never deleted by the third criterion). All three bounds are exclusive. Returns how many
  // families.
  virtual std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                                       std::int64_t used_before,
                                                       std::int64_t revoked_before) = 0;

  // The deployment's refresh secret (see the header comment): the stored one, or `candidate`
  // (kRefreshSecretBytes random bytes) stored now if there is none yet. Every call, from any
  // node, returns the same bytes once one call has succeeded. REQUIRES: `candidate` is
  // kRefreshSecretBytes long. kCorrupt if the stored one is not.
  virtual std::expected<std::string, StoreError> token_secret(std::string_view candidate) = 0;
};

}  // namespace tessera::store
