// Revocation of access tokens that are already out there (SPEC.md "Revocation"):
//   - the denylist: a token's `jti`, kept until the token's own `exp`;
//   - per-user "not before": every access token of the user issued at or before it fails.
// Plus an ordered log of both, so every process serving from the same store (the CLI revoking
// while a server runs; several nodes) can follow changes it did not make and update its
// in-process Bloom filter and not-before table within a second (auth/revocation.h polls it).
// Implementations: memory/, sqlite/, postgres/, redis/ (the one that can lose its state: see
// RevocationSnapshot::complete_since_ms). Thread-safe.
//
// Times here are Unix MILLISECONDS where they order revocations against token issuance
// (not_before, a token's issue time), seconds for expiry. A denylist entry holds THROUGH its
// expires_at second (denied while now <= expires_at): a caller whose verifiers allow clock
// skew passes exp + leeway.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

struct RevocationEvent {
  enum class Kind : std::uint8_t { kDenied, kNotBefore };
  std::int64_t seq = 0;  // assigned by the store; strictly increasing in the order written
  std::int64_t at = 0;   // Unix seconds when it was logged
  Kind kind = Kind::kDenied;
  std::string jti;                 // kDenied
  std::int64_t expires_at = 0;     // kDenied: Unix seconds (the token's exp)
  UserId user{};                   // kNotBefore
  std::int64_t not_before_ms = 0;  // kNotBefore
};

struct DeniedToken {
  std::string jti;
  std::int64_t expires_at = 0;
};

struct UserNotBefore {
  UserId user{};
  std::int64_t not_before_ms = 0;
};

// Everything a process needs to start enforcing, and where in the log it was taken.
struct RevocationSnapshot {
  std::int64_t seq = 0;  // the last event included (0: none yet); follow the log from here
  std::vector<DeniedToken> denied;  // live at the `now` given
  std::vector<UserNotBefore> not_before;
  // Unix ms since which the state is complete: a store that can lose its state (the Redis
  // cache, restarted without its data) starts a new one and says when. Revocations made before
  // that may be gone, so every token issued at or before it must count as revoked. 0: the
  // state was never lost (memory, SQLite, PostgreSQL always answer 0).
  std::int64_t complete_since_ms = 0;
};

class RevocationStore {
 public:
  virtual ~RevocationStore() = default;

  // Denies `jti` until `expires_at` (a second denial keeps the later expiry) and logs it at
  // `now` (seconds), always, with the expiry kept (so a follower that applies the event the
  // same way ends with the same entry).
  virtual std::expected<void, StoreError> deny(std::string_view jti, std::int64_t expires_at,
                                               std::int64_t now) = 0;

  // Whether `jti` is denied and its entry not yet expired at `now` (seconds): now <= expires_at.
  // kUnavailable if the state was lost and begun again since this store object's last
  // snapshot() (its "no" would not cover revocations made before: take a new snapshot).
  virtual std::expected<bool, StoreError> is_denied(std::string_view jti, std::int64_t now) = 0;

  // Raises `user`'s not-before to `not_before_ms` (never lowers it) and logs it (at
  // not_before_ms / 1000 seconds, for purge). A call that would not raise it (lower, or equal)
  // changes and logs nothing.
  virtual std::expected<void, StoreError> set_not_before(const UserId& user,
                                                         std::int64_t not_before_ms) = 0;

  // The user's not-before, 0 if none.
  virtual std::expected<std::int64_t, StoreError> not_before(const UserId& user) = 0;

  // The live denylist at `now` (entries with now <= expires_at), every not-before, and the log
  // position they reflect (the newest seq ever assigned, even if purge deleted that event),
  // read consistently (one read transaction).
  virtual std::expected<RevocationSnapshot, StoreError> snapshot(std::int64_t now) = 0;

  // Log events with seq > `after`, in order, at most `limit`. kNotFound if events after
  // `after` were already purged (the caller must take a new snapshot). purge() goes by the
  // time events were written, which need not follow seq, so "already purged" means `after` is
  // below the newest seq purge ever deleted. Also kNotFound if `after` is negative or beyond
  // the newest seq assigned (a position this log never reached: the store was replaced), or if
  // the state was lost and begun again since this store object's last snapshot().
  virtual std::expected<std::vector<RevocationEvent>, StoreError> events_after(
      std::int64_t after, std::size_t limit) = 0;

  // Deletes denylist entries expired at `now` (expires_at < now) and log events older than
  // `log_before` (at < log_before, Unix seconds of when they were written). Not-befores are
  // never deleted. Returns how many rows (entries + events).
  virtual std::expected<std::size_t, StoreError> purge(std::int64_t now,
                                                       std::int64_t log_before) = 0;
};

}  // namespace tessera::store
