// Refresh-token families (SPEC.md "Tokens"). A family starts at login with one token; every
// refresh rotates it: the presented token is marked used, pointing at its successor, and the
// successor becomes the family's one current token. Implementations: memory/, sqlite/,
// postgres/. Thread-safe; every method completes entirely or changes nothing.
//
// Tokens are kept only as SHA-256 hashes. `successor_sealed` is the raw successor encrypted
// under a key derived from the PRESENTED raw token (auth/refresh_tokens.cc), so the store alone
// never holds a usable credential; it exists only to answer a re-presentation within the
// reuse grace window with the same successor (never a new branch).
//
// The policy (lifetimes, grace, what reuse means) is the token service's; the store keeps
// records and makes rotation atomic.
//
// A time that marks a state change (a token's used_at, a family's revoked_at) is stored as at
// least 1, because 0 means "not yet": a call with `now` <= 0 (a fake clock) still marks it.
//
// A rotation writes tokens only, never the family's record: a family's last use is its newest
// token's issue time, which every rotation writes anyway (the successor's issued_at). So a
// family's record changes only at its revocation, and a busy family's rotations leave no
// trail of dead family versions (and their index entries) behind in the SQL backends.
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

struct RefreshFamily {
  FamilyId id{};
  UserId user_id{};
  std::int64_t created_at = 0;  // Unix seconds; start of the absolute lifetime
  // Read-only: the latest issued_at among the family's tokens (its last rotation, the first
  // token's issue at first), which the idle lifetime runs from. create() ignores it.
  std::int64_t last_used_at = 0;
  std::int64_t auth_time = 0;  // when the user last proved a credential
  // The user's password_changed_at when the family began: a later password change ends it.
  std::int64_t password_changed_at = 0;
  std::string client_id;        // "" for first-party logins (OAuth clients later)
  std::string scope;            // space-separated, "" for first-party logins
  std::string ip;               // client IP at creation
  std::string user_agent;       // at creation, truncated by the caller
  std::int64_t revoked_at = 0;  // 0: live
  std::string revoked_reason;   // "" while live; e.g. "logout", "reuse", "password"
};

struct RefreshToken {
  TokenHash hash{};  // SHA-256 of the raw token
  FamilyId family{};
  std::int64_t issued_at = 0;
  std::int64_t used_at = 0;      // 0: the family's current token
  TokenHash successor{};         // when used: the hash of the token it was rotated into
  std::string successor_sealed;  // when used: see the header comment; may be empty
};

struct TokenInFamily {
  RefreshToken token;
  RefreshFamily family;
};

enum class RotateOutcome : std::uint8_t {
  kRotated,        // the presented token was current: it is now used, the successor current
  kAlreadyUsed,    // the presented token was used before: nothing changed (reuse or grace)
  kFamilyRevoked,  // the family is revoked: nothing changed
};

struct Rotation {
  RotateOutcome outcome = RotateOutcome::kRotated;
  RefreshToken presented;  // the presented token's record AFTER the call
  RefreshFamily family;    // the family AFTER the call
  // The family's user as the rotation read it, for a backend that reads it in the same round
  // trip (postgres/, where users live in the same database; on kRotated only). user_read
  // false: not read, the caller reads it itself; true: `user` is the user, or nullopt if there
  // is no such user.
  bool user_read = false;
  std::optional<User> user;
};

class RefreshStore {
 public:
  virtual ~RefreshStore() = default;

  // Starts `family` with its first token. `first` is stored as the family's current token
  // whatever its other fields say: its family is `family.id`, used_at 0, no successor (so a
  // caller's mistake cannot attach it elsewhere or start a family with no current token).
  // family.last_used_at is not stored: it reads back as first.issued_at.
  // kConflict if the family id or the token hash exists (nothing is stored).
  virtual std::expected<void, StoreError> create(const RefreshFamily& family,
                                                 const RefreshToken& first) = 0;

  // The token with this hash and its family. kNotFound if unknown.
  virtual std::expected<TokenInFamily, StoreError> find(const TokenHash& hash) = 0;

  // The atomic swap. If the token `presented` is unused and its family live: marks it used at
  // `now` with `successor.hash` and `successor_sealed`, inserts `successor` (issued_at as
  // given; used_at 0, no successor) into the PRESENTED token's family (successor.family is
  // ignored: a successor in another family would survive this family's revocation), so the
  // family's last_used_at becomes successor.issued_at if that is later -> kRotated.
  // Otherwise changes nothing: kFamilyRevoked if the family is revoked (checked first),
  // kAlreadyUsed if the token was used. kNotFound if `presented` is unknown. kConflict if
  // `successor.hash` exists (including `presented` itself); checked only when the call would
  // rotate, so a revoked family or a reuse is always reported as such. Of N concurrent calls
  // for one presented token (from any number of threads or processes), exactly one gets
  // kRotated and the others kAlreadyUsed (or kFamilyRevoked).
  virtual std::expected<Rotation, StoreError> rotate(const TokenHash& presented,
                                                     const RefreshToken& successor,
                                                     std::string_view successor_sealed,
                                                     std::int64_t now) = 0;

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

  // Deletes, with all their tokens, the families created before `created_before`, or last used
  // (last_used_at) before `used_before`, or revoked before `revoked_before` (revoked ones are
  // kept a while so that a late reuse is still recognised and audited; a live family is never
  // deleted by the third criterion). All three bounds are exclusive. Returns how many families.
  virtual std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                                       std::int64_t used_before,
                                                       std::int64_t revoked_before) = 0;
};

}  // namespace tessera::store
