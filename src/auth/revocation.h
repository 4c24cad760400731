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
// Thread-safe. The read path (is_revoked(), on every verified access token) takes no lock and
// touches no shared reference count:
//   - the state (Bloom filter, not-before table, log position) is an immutable State published
//     whole by the writers (start/poll/revoke_user, one at a time under write_mu_; deny() only
//     sets Bloom bits, which are atomic). Every published State gets a version number that is
//     unique in the process (one counter shared by all instances, never reused), stored in
//     version_ after state_ is replaced;
//   - each thread keeps a shared_ptr to the last State it read (of any instance) and that
//     State's version. is_revoked() loads version_: equal to the thread's version means the
//     thread's State IS the one published (no other State anywhere has that number), and it is
//     used as is - kept alive by the thread's own reference however often writers replace it
//     meanwhile. Otherwise the thread copies state_ under read_mu_ (once per publication per
//     thread) and caches it. So a call that starts after start/poll/revoke_user/deny returned
//     sees what they did: the version_ store (release) and the Bloom bits they set happen
//     before they return, and the call reads both (acquire) after that.
//   - cost of the scheme: a thread holds the last State it read (its Bloom filter and table)
//     until its next is_revoked() call or its exit, so a superseded State is freed only once
//     every thread that read it has moved on.
// The time is the caller's: is_revoked() reads no clock (verify() already did).
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>

#include "auth/bloom.h"
#include "auth/errors.h"
#include "base/clock.h"
#include "store/revocation_store.h"

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
// kept with the verified token, so that a check hashes nothing: the Bloom hashes of its jti
// and of its family's denylist key are computed here, under the service's filter key.
struct TokenIdentity {
  store::UserId user{};
  std::int64_t issued_ms = 0;
  std::string jti;
  std::string family_key;  // the denylist key of its family ("sid:" + sid); "" if none
  std::uint64_t jti_hash = 0;
  std::uint64_t family_hash = 0;
};

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

struct RevocationStats {
  std::size_t bloom_bits = 0;
  unsigned bloom_probes = 0;
  std::size_t bloom_entries = 0;
  std::size_t users_not_before = 0;
  std::int64_t seq = 0;
};

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
  bool ready() const { return ready_.load(std::memory_order_acquire); }

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
  struct UserIdHash {
    std::size_t operator()(const store::UserId& u) const noexcept;
  };
  using NotBefore = std::unordered_map<store::UserId, std::int64_t, UserIdHash>;
  struct State {
    std::shared_ptr<BloomFilter> bloom;           // entries only ever added
    std::shared_ptr<const NotBefore> not_before;  // replaced whole on change
    std::int64_t seq = 0;
    // Every token issued at or before it counts as revoked: the store's state began again then
    // and may have lost revocations (RevocationSnapshot::complete_since_ms). 0: never.
    std::int64_t complete_since_ms = 0;
    std::uint64_t version = 0;  // set by publish(); unique in the process
  };

  // The current state, copied under read_mu_ (writers, stats()).
  std::shared_ptr<const State> state() const;
  // The current state for is_revoked(), without a lock (see the header comment). Valid until
  // the calling thread's next read_state() call. Null if nothing was published yet.
  const State* read_state() const;
  const State* reload_state() const;  // read_state() when the thread's cached one is not current
  // Revoked by time alone: issued at or before the state's start or the user's not-before.
  static bool revoked_by_time(const State& s, const store::UserId& user, std::int64_t issued_ms);
  // is_revoked()'s part in process: the answer, or nullopt with which of the token's keys the
  // Bloom filter may contain (`jti`, `family`) for the store to confirm.
  std::optional<std::expected<bool, Error>> check_locally(const TokenIdentity& t,
                                                          std::int64_t now_ms, bool& jti,
                                                          bool& family) const;
  // The store's answer for keys the Bloom filter may contain (is_revoked()'s slow path); an
  // empty key is skipped.
  std::expected<bool, Error> confirm_denied(std::string_view jti, std::string_view family,
                                            std::int64_t now_ms) const;
  // Checks the state is current at `now_ms` (see is_revoked): the state, or kUnavailable.
  std::expected<const State*, Error> current_state(std::int64_t now_ms) const;
  // Makes `next` the current state with a fresh version. REQUIRES: write_mu_ held.
  void publish(std::shared_ptr<State> next);
  std::expected<void, Error> resnapshot();  // REQUIRES: write_mu_ held
  // Copy-on-write update of the not-before table. REQUIRES: write_mu_ held.
  void raise_not_before(const store::UserId& user, std::int64_t ms);
  void prune(NotBefore& table, std::int64_t now_ms) const;

  std::shared_ptr<store::RevocationStore> store_;
  const base::Clock& clock_;
  RevocationConfig config_;
  const BloomKey bloom_key_ = BloomKey::random();  // every filter of this service uses it
  std::mutex write_mu_;                            // poll/deny/revoke_user/start, one at a time
  mutable std::mutex read_mu_;  // guards state_ (held only to copy/replace the pointer)
  std::shared_ptr<const State> state_;
  std::atomic<std::uint64_t> version_{0};  // state_->version, stored after state_ (0: none)
  std::atomic<bool> ready_{false};
  std::atomic<std::int64_t> synced_ms_{0};
  RevocationLogListener* listener_ =
      nullptr;  // guarded by write_mu_  // when the log was last followed successfully
};

}  // namespace tessera::auth
