// The revocation state that decides whether an access token is revoked, as a process holds it in
// memory: the ONE check shared by the server (auth/revocation.h, which follows the store's event
// log) and the installed verifier library (tessera/verifier.h, which follows the revocation feed).
// What it holds (SPEC.md "Revocation"):
//   - per-user "not before": every token of the user issued at or before that millisecond is
//     revoked. A not-before older than the longest access-token lifetime can no longer match a
//     live token and is dropped (not_before_keep_ms);
//   - the denylist keys (a token's `jti`, or family_key(sid) for a whole sign-in) behind a Bloom
//     filter, so that a token that is not revoked - almost every token - costs two probes and no
//     lookup. A filter hit is confirmed by the denylist itself when this mirror keeps it
//     (keep_denylist: the library, which has no store), else by the caller (Verdict::kAsk: the
//     server asks its store);
//   - the instant the source's state is complete since (complete_since_ms): every token issued
//     at or before it counts as revoked, since what was revoked before is unknown (a Redis that
//     restarted without its data);
//   - the log position (seq) of the last change applied, and when the source was last heard from
//     (mark_synced): a mirror not synced within max_staleness_ms answers Verdict::kStale, and its
//     owner fails closed (the server always; the library unless configured to fail open).
//
// Writers (load, apply, add_denied, raise_not_before, mark_synced) run one at a time (an internal
// mutex). The read path (check) takes no lock and touches no shared reference count:
//   - the state (Bloom filter, not-before table, seq, complete_since_ms) is an immutable State
//     published whole by the writers (add_denied only sets Bloom bits, which are atomic). Every
//     published State gets a version number unique in the process (one counter shared by all
//     mirrors, never reused), stored in version_ after state_ is replaced;
//   - each thread keeps a shared_ptr to the last State it read (of any mirror) and that State's
//     version. check() loads version_: equal to the thread's version means the thread's State IS
//     the one published, used as is. Otherwise the thread copies state_ under read_mu_ (once per
//     publication per thread) and caches it. So a check that starts after a writer returned sees
//     what it did (the version_ store (release) and the Bloom bits happen before the writer
//     returns, and check reads both (acquire) after that).
//   - cost: a thread holds the last State it read until its next check() or its exit.
// The time is the caller's: nothing here reads a clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/uuid.h"
#include "verifier/bloom.h"

namespace tessera::verifier {

using UserKey = base::Uuid;  // a user's id; all zero for a service's token (no user)

struct MirrorConfig {
  std::size_t bloom_expected = 100'000;  // denied keys alive at once, for sizing
  double bloom_false_positive = 0.001;   // at bloom_expected entries
  // How long a not-before can still match a live token: the access-token TTL plus leeway.
  std::int64_t not_before_keep_ms = (15 * 60 + 30) * 1000;
  // check() answers kStale when the source was last heard from longer ago than this.
  std::int64_t max_staleness_ms = 5'000;
  // Keep the denylist itself (key -> exp) to confirm filter hits; false: the owner confirms.
  bool keep_denylist = false;
};

// What revocation knows of one access token, prepared once (identify) and kept with the verified
// token, so that a check hashes nothing: the Bloom hashes of its jti and of its family's key are
// computed under the mirror's filter key, which every filter it builds shares.
struct TokenIdentity {
  UserKey user{};
  std::int64_t issued_ms = 0;
  std::string jti;
  std::string family_key;  // family_key(sid); "" if the token has no family
  std::uint64_t jti_hash = 0;
  std::uint64_t family_hash = 0;
};

struct DeniedKey {
  std::string key;              // a jti, or family_key(sid)
  std::int64_t expires_at = 0;  // Unix seconds: denied until then (inclusive)
};
struct UserNotBefore {
  UserKey user{};
  std::int64_t not_before_ms = 0;
};
// The whole state of the source at log position `seq`.
struct MirrorSnapshot {
  std::vector<DeniedKey> denied;
  std::vector<UserNotBefore> not_before;
  std::int64_t seq = 0;
  std::int64_t complete_since_ms = 0;  // 0: never began again
};
// One change of the source's log, in order.
struct MirrorChange {
  enum class Kind : std::uint8_t { kDenied, kNotBefore };
  Kind kind = Kind::kDenied;
  std::int64_t seq = 0;
  std::string_view key;         // kDenied
  std::int64_t expires_at = 0;  // kDenied: Unix seconds
  UserKey user{};               // kNotBefore
  std::int64_t not_before_ms = 0;
};

enum class Verdict : std::uint8_t {
  kValid,    // not revoked
  kRevoked,  // revoked (by time, or a confirmed denylist entry)
  kStale,    // not loaded yet, or the source silent for longer than max_staleness_ms
  kAsk,      // the filter may hold the jti or family key; only the owner's denylist can tell
};
struct Check {
  Verdict verdict = Verdict::kStale;
  bool jti = false;     // kAsk: the filter may hold the token's jti
  bool family = false;  // kAsk: ... its family key
};

struct MirrorStats {
  std::size_t bloom_bits = 0;
  unsigned bloom_probes = 0;
  std::size_t bloom_entries = 0;
  std::size_t users_not_before = 0;
  std::size_t denylist_entries = 0;  // keep_denylist only
  std::int64_t seq = 0;
};

class RevocationMirror {
 public:
  explicit RevocationMirror(MirrorConfig config);
  ~RevocationMirror();
  RevocationMirror(const RevocationMirror&) = delete;
  RevocationMirror& operator=(const RevocationMirror&) = delete;

  // The denylist key of family `sid`: "sid:" + sid, which no jti can equal (a jti has no ':').
  static std::string family_key(std::string_view sid);

  // --- writers (serialised inside) ---
  // Replaces the whole state with `snapshot` (expired denials and stale not-befores dropped),
  // marks the mirror synced at `now_ms` and ready.
  void load(const MirrorSnapshot& snapshot, std::int64_t now_ms);
  // Applies `changes` (in log order, after the current seq) and publishes the result. Denials
  // that expired before `now_ms` are skipped. Does not mark the mirror synced.
  void apply(std::span<const MirrorChange> changes, std::int64_t now_ms);
  // This process's own revocations, before its source echoes them: the key is in the filter (and
  // the denylist) and the not-before raised at once.
  void add_denied(std::string_view key, std::int64_t expires_at);
  void raise_not_before(const UserKey& user, std::int64_t ms);
  // The source was heard from at `now_ms` (an event, a keep-alive, an empty poll).
  void mark_synced(std::int64_t now_ms);
  // Whether the filter holds more keys than it was sized for (answers "maybe" too often): the
  // owner should load a fresh snapshot.
  bool filter_full() const;

  // --- readers (any thread) ---
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  std::int64_t seq() const;
  std::int64_t synced_ms() const { return synced_ms_.load(std::memory_order_acquire); }
  TokenIdentity identify(const UserKey& user, std::int64_t issued_ms, std::string jti,
                         std::string_view sid) const;
  // Whether the token is revoked at `now_ms` (Unix ms: the caller's reading for this check).
  // `allow_stale`: judge from what is known even when the source is silent (a library
  // configured to fail open); kStale is then answered only before the first load.
  Check check(const TokenIdentity& token, std::int64_t now_ms, bool allow_stale = false) const;
  // The user's not-before (ms), or the instant the source's state began if later; 0 if none. A
  // token issued now must be issued after it.
  std::int64_t not_before_ms(const UserKey& user) const;
  MirrorStats stats() const;

 private:
  struct UserKeyHash {
    std::size_t operator()(const UserKey& u) const noexcept;
  };
  using NotBefore = std::unordered_map<UserKey, std::int64_t, UserKeyHash>;
  struct State {
    std::shared_ptr<BloomFilter> bloom;           // entries only ever added
    std::shared_ptr<const NotBefore> not_before;  // replaced whole on change
    std::int64_t seq = 0;
    std::int64_t complete_since_ms = 0;
    std::uint64_t version = 0;  // set by publish(); unique in the process
  };

  std::shared_ptr<const State> state() const;  // copied under read_mu_
  const State* read_state() const;             // lock-free (header comment)
  const State* reload_state() const;
  void publish(std::shared_ptr<State> next);  // REQUIRES: write_mu_
  void prune(NotBefore& table, std::int64_t now_ms) const;
  // Confirms a filter hit from the kept denylist.
  bool denied(std::string_view key, std::int64_t now_s) const;

  const MirrorConfig config_;
  const BloomKey bloom_key_ = BloomKey::random();  // every filter of this mirror uses it
  std::mutex write_mu_;
  mutable std::mutex read_mu_;  // guards state_ (held only to copy or replace the pointer)
  std::shared_ptr<const State> state_;
  std::atomic<std::uint64_t> version_{0};  // state_->version, stored after state_ (0: none)
  std::atomic<bool> ready_{false};
  std::atomic<std::int64_t> synced_ms_{0};
  // keep_denylist: key -> exp (Unix seconds), consulted on filter hits only.
  mutable std::mutex denylist_mu_;
  std::unordered_map<std::string, std::int64_t> denylist_;
  std::int64_t denylist_pruned_ms_ = 0;  // guarded by write_mu_
};

}  // namespace tessera::verifier
