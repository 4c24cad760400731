// A bounded in-process cache keyed by the SHA-256 of a credential (session id, access token),
// so the hot path (/auth/verify, every authenticated request) costs a hash and a map lookup
// instead of store reads or a signature check.
//
// Each entry carries a `tag` chosen by the owner, and get() returns it only when the caller's
// tag matches: SessionService tags entries with the Unix second they were loaded in (so a
// change made by another process is seen within 1 s); AccessTokens with the keyring version
// (so a rotation invalidates every verified token at once).
//
// Races with invalidation: an owner that reads a store and then put()s the result passes the
// generation() it read BEFORE the store read; if any erase happened since, the entry is
// dropped, so a lookup that raced a revocation never re-inserts what the revocation erased.
// Owners must erase AFTER their store change (erasing before would let a concurrent lookup
// re-cache the still-stored record).
//
// Bounded: at most about `capacity` entries; a full shard drops an arbitrary entry. Values are
// immutable and shared. Thread-safe (16 mutex-guarded shards; the critical sections copy one
// shared_ptr).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace tessera::verifier {

// A SHA-256 digest (store::TokenHash is the same type).
using Digest = std::array<std::uint8_t, 32>;

template <class V>
class HashCache {
 public:
  // capacity 0 disables the cache (every get misses, put does nothing).
  explicit HashCache(std::size_t capacity)
      : per_shard_(capacity == 0 ? 0 : (capacity + kShards - 1) / kShards) {}

  // The entry for `key` if it was put with this `tag`; null otherwise.
  std::shared_ptr<const V> get(const Digest& key, std::int64_t tag) const {
    if (per_shard_ == 0) return nullptr;
    Shard& s = shard_of(key);
    std::lock_guard lock(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end() || it->second.tag != tag) return nullptr;
    return it->second.value;
  }

  // Read before the store lookup whose result will be put().
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Caches `value` under `key` with `tag`, unless an erase happened after `generation`.
  void put(const Digest& key, std::shared_ptr<const V> value, std::int64_t tag,
           std::uint64_t generation) {
    if (per_shard_ == 0) return;
    Shard& s = shard_of(key);
    std::shared_ptr<const V> dropped;  // released after the lock (declared before it)
    std::lock_guard lock(s.mu);
    // Checked under the shard lock: an erase bumps the generation before taking a shard lock,
    // so either it is seen here or the erase runs after this insertion and removes it.
    if (generation_.load(std::memory_order_acquire) != generation) return;
    if (auto it = s.map.find(key); it != s.map.end()) {
      dropped = std::exchange(it->second.value, std::move(value));
      it->second.tag = tag;
      return;
    }
    if (s.map.size() >= per_shard_) {
      dropped = std::move(s.map.begin()->second.value);
      s.map.erase(s.map.begin());
    }
    s.map.emplace(key, Slot{std::move(value), tag});
  }

  void erase(const Digest& key) {
    generation_.fetch_add(1, std::memory_order_acq_rel);
    Shard& s = shard_of(key);
    std::shared_ptr<const V> dropped;
    std::lock_guard lock(s.mu);
    if (auto it = s.map.find(key); it != s.map.end()) {
      dropped = std::move(it->second.value);
      s.map.erase(it);
    }
  }

  // Erases every entry whose value satisfies `pred`.
  template <class Pred>
  void erase_if(Pred pred) {
    generation_.fetch_add(1, std::memory_order_acq_rel);
    for (Shard& s : shards_) {
      std::lock_guard lock(s.mu);
      std::erase_if(s.map, [&](const auto& kv) { return pred(*kv.second.value); });
    }
  }

 private:
  static constexpr std::size_t kShards = 16;
  struct Slot {
    std::shared_ptr<const V> value;
    std::int64_t tag = 0;
  };
  struct KeyHash {
    // The key is already a uniformly random SHA-256: its first bytes are a good hash.
    std::size_t operator()(const Digest& h) const noexcept {
      std::size_t v = 0;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<Digest, Slot, KeyHash> map;
  };

  // Byte 8 is independent of the bytes KeyHash uses, so shards and buckets spread evenly.
  Shard& shard_of(const Digest& h) const { return shards_[h[8] % kShards]; }

  std::size_t per_shard_;
  mutable std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace tessera::verifier
