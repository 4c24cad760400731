// Revocation of access tokens already issued, at the speed of a stateless check (SPEC.md
// "Revocation"):
//   - per-user "not before" (logout everywhere, password change, disable, admin revoke): every
//     token of the user issued at or before that millisecond fails. Kept in process as a
//     table; a not-before older than the longest access-token lifetime can no longer match a
//     live token and is dropped;
//   - the denylist (logout): the token's `jti` until its `exp`, behind an in-process Bloom
//     filter, so a token that is not revoked costs no store round-trip. The key is the jti,
//     never a hash of the token text (which an attacker can vary without changing the token's
//     meaning).
//
// Other processes' revocations arrive through the store's event log: poll() follows it (the
// server calls it every ~250 ms) and takes a fresh snapshot when it fell behind the log's
// retention or when the filter is full. A process that could not follow the log for
// max_staleness fails closed (kUnavailable) rather than accept tokens it may not know are
// revoked. This process's own revocations apply locally before deny()/revoke_user() return.
//
// Thread-safe. is_revoked() takes no lock beyond copying one shared_ptr.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
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

  // Loads the current state (server start). Until it succeeds, is_revoked() fails closed.
  std::expected<void, Error> start();
  // Follows the event log (see the header comment).
  std::expected<void, Error> poll();
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  // Logout: denies `jti` until `expires_at` (the token's exp, Unix seconds).
  std::expected<void, Error> deny(std::string_view jti, std::int64_t expires_at);
  // Every access token of `user` issued up to now fails. Returns the not-before (ms).
  std::expected<std::int64_t, Error> revoke_user(const store::UserId& user);

  // Whether a token of `user` with this jti, issued at `issued_ms`, is revoked at `now`
  // (seconds). kUnavailable when not started, stale, or the store cannot confirm a filter hit.
  std::expected<bool, Error> is_revoked(const store::UserId& user, std::string_view jti,
                                        std::int64_t issued_ms, std::int64_t now) const;

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
  };

  std::shared_ptr<const State> state() const;
  std::expected<void, Error> resnapshot();  // REQUIRES: write_mu_ held
  // Copy-on-write update of the not-before table. REQUIRES: write_mu_ held.
  void raise_not_before(const store::UserId& user, std::int64_t ms);
  void prune(NotBefore& table, std::int64_t now_ms) const;

  std::shared_ptr<store::RevocationStore> store_;
  const base::Clock& clock_;
  RevocationConfig config_;
  std::mutex write_mu_;         // poll/deny/revoke_user/start, one at a time
  mutable std::mutex read_mu_;  // guards state_ (held only to copy/replace the pointer)
  std::shared_ptr<const State> state_;
  std::atomic<bool> ready_{false};
  std::atomic<std::int64_t> synced_ms_{0};  // when the log was last followed successfully
};

}  // namespace tessera::auth
