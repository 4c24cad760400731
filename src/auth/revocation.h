// Revocation of access tokens already issued, at the speed of a stateless check (SPEC.md
// "Revocation"):
//   - per-user "not before" (logout everywhere, password change, disable, admin revoke): every
//     token of the user issued at or before that millisecond fails. Kept in process as a
//     table; a not-before older than the longest access-token lifetime can no longer match a
//     live token and is dropped;
//   - the denylist (logout): the token's `jti` until its `exp`, behind an in-process Bloom
//     filter, so a token that is not revoked costs no store round-trip. The key is the jti,
//     never a hash of the token text (which an attacker can vary without changing the token's
//     meaning). A revoked refresh family (logout, a device revoked from the account page,
//     refresh-token reuse) denies its `sid` the same way (deny_family), so every access token
//     it issued dies with it, not only the one presented at logout. A check hashes nothing:
//     identify() computes both Bloom hashes once per token, under the one filter key this
//     service uses for every filter it builds.
//
// Other processes' revocations arrive through the store's event log: poll() follows it (the
// server calls it every ~250 ms) and takes a fresh snapshot when it fell behind the log's
// retention, when the filter is full, or when the store's state began again (a Redis that
// restarted without its data): then every token issued at or before the instant the new state
// began counts as revoked - what was revoked before is unknown - and clients refresh (their
// refresh families live in the backend, which keeps revoked ones revoked). That instant is read
// on the store's clock, compared with issue times read on the issuing nodes' clocks: the same
// assumption of synchronised clocks as for not-befores. A process that could not follow the
// log for max_staleness fails closed (kUnavailable) rather than accept tokens it may not know
// are revoked. This process's own revocations apply locally before deny()/revoke_user() return.
//
// Thread-safe. What is known in process - the Bloom filter, the not-before table, the log
// position, the freshness - and the check itself are verifier::RevocationMirror's (shared with
// the installed verifier library, which follows the revocation feed instead of the store); this
// class adds the store: writing revocations, following its log, confirming filter hits.
// The time is the caller's: is_revoked() reads no clock (verify() already did).
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>

#include "auth/errors.h"
#include "base/clock.h"
#include "store/revocation_store.h"
#include "verifier/revocation_mirror.h"

namespace tessera::auth {

struct RevocationConfig {
  std::size_t bloom_expected = 100'000;  // denylisted tokens alive at once, for sizing
  double bloom_false_positive = 0.001;   // at bloom_expected entries
  // How long a not-before can still match a live token: the access-token TTL plus leeway.
  std::int64_t not_before_keep = 15 * 60 + 30;  // seconds
  // Fail closed when the log could not be followed for this long.
  std::int64_t max_staleness_ms = 5'000;
  // purge() deletes log events older than this (a process further behind re-snapshots).
  std::int64_t log_keep = 60 * 60;  // seconds
};

// What revocation knows of one access token, prepared once (RevocationService::identify) and
// kept with the verified token (verifier/revocation_mirror.h).
using verifier::TokenIdentity;

// Told of the revocation log as a RevocationService follows it (auth/revocation_feed.h), under
// the service's writer lock, in log order.
class RevocationLogListener {
 public:
  virtual ~RevocationLogListener() = default;
  // Events read from the log (seq increasing), already applied.
  virtual void on_events(std::span<const store::RevocationEvent> events) = 0;
  // The whole state was (re)loaded from a snapshot at log position `seq`: what happened
  // before it is in the state, not in any event the listener will see.
  virtual void on_reload(std::int64_t seq) = 0;
};

using RevocationStats = verifier::MirrorStats;

class RevocationService {
 public:
  // REQUIRES: `clock` outlives this object.
  RevocationService(std::shared_ptr<store::RevocationStore> store, const base::Clock& clock,
                    RevocationConfig config);

  // Loads the current state (server start; again whenever events may have been missed, e.g.
  // the store's change feed reconnected). Until it first succeeds, is_revoked() fails closed.
  std::expected<void, Error> start();
  // Follows the event log (see the header comment).
  std::expected<void, Error> poll();
  // Tells `listener` of what start()/poll() read from now on; at once on_reload() of the
  // current position if the state is loaded. Null: none. `listener` must outlive this object
  // or a later call that replaces it.
  void set_listener(RevocationLogListener* listener);
  bool ready() const;

  // Logout: denies `jti` until `expires_at` (the token's exp, Unix seconds).
  std::expected<void, Error> deny(std::string_view jti, std::int64_t expires_at);
  // A family revoked (logout, a revoked device, refresh reuse): every access token carrying
  // `sid` is denied until `expires_at` (the latest exp any of them can have). Its denylist key
  // is family_key(sid), which no jti can equal (a jti has no ':').
  std::expected<void, Error> deny_family(std::string_view sid, std::int64_t expires_at);
  static std::string family_key(std::string_view sid);
  // Every access token of `user` issued up to now fails. Returns the not-before (ms).
  std::expected<std::int64_t, Error> revoke_user(const store::UserId& user);

  // Whether a token of `user` with this jti, issued at `issued_ms`, is revoked at `now_ms`
  // (Unix milliseconds: the caller's reading of the clock, taken for this check - a time read
  // earlier would stretch max_staleness). kUnavailable when not started, when the log was last
  // followed more than max_staleness_ms before `now_ms`, or when the store cannot confirm a
  // filter hit (asked at floor(now_ms / 1000)).
  std::expected<bool, Error> is_revoked(const store::UserId& user, std::string_view jti,
                                        std::int64_t issued_ms, std::int64_t now_ms) const;
  // The same for a prepared token: also revoked when its family is denied (deny_family). The
  // hot path: no hashing, a table lookup and two Bloom probes.
  std::expected<bool, Error> is_revoked(const TokenIdentity& token, std::int64_t now_ms) const;
  // The same without a store call, for threads that must never wait on a network (the server's
  // I/O threads): nullopt when only the store can tell (a Bloom filter hit).
  std::optional<std::expected<bool, Error>> is_revoked_locally(const TokenIdentity& token,
                                                               std::int64_t now_ms) const;
  // `token`'s identity under this service's filter key (sid may be empty: no family).
  TokenIdentity identify(const store::UserId& user, std::int64_t issued_ms, std::string jti,
                         std::string_view sid) const;

  // The user's not-before (ms) as this process knows it, or the instant the store's state began
  // if later (see the header comment); 0 if none. A token issued now must be issued after it
  // (RefreshFamilies::start), or a login in the same millisecond as a logout everywhere would get
  // a dead token.
  std::int64_t not_before_ms(const store::UserId& user) const;

  // The store's whole state now (the live denylist, every not-before, the log position), for a
  // process that mirrors it (the revocation feed's snapshot).
  std::expected<store::RevocationSnapshot, Error> store_snapshot() const;

  // Store housekeeping (expired denylist entries, old log events). Returns rows deleted.
  std::expected<std::size_t, Error> purge();

  RevocationStats stats() const;

 private:
  // Loads the store's whole state into the mirror. REQUIRES: write_mu_ held.
  std::expected<void, Error> resnapshot();
  // The store's answer for keys the Bloom filter may contain (is_revoked()'s slow path); an
  // empty key is skipped.
  std::expected<bool, Error> confirm_denied(std::string_view jti, std::string_view family,
                                            std::int64_t now_ms) const;

  std::shared_ptr<store::RevocationStore> store_;
  const base::Clock& clock_;
  RevocationConfig config_;
  verifier::RevocationMirror mirror_;
  std::mutex write_mu_;  // poll/deny/revoke_user/start, one at a time (store write + mirror)
  RevocationLogListener* listener_ = nullptr;  // guarded by write_mu_
};

}  // namespace tessera::auth
