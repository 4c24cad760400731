// Server-side cookie sessions, keyed by the SHA-256 of the session id. Implementations:
// memory/, sqlite/, postgres/, redis/. Thread-safe. Expiry policy (idle, absolute) is the session
// service's; the store only keeps records, and drops expired ones when purge() says so.
#pragma once

#include <expected>
#include <vector>

#include "store/types.h"

namespace tessera::store {

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Adds `s`, then, if the user now has more than `max_per_user` sessions, deletes the oldest
  // until `max_per_user` remain, atomically. `s` itself is never evicted; `max_per_user` 0
  // means no limit. Returns how many were evicted.
  // "Oldest" is creation order, the order of the create() calls as the store serialised them,
  // never created_at: its whole seconds tie for sessions created in one second (a password
  // manager and two tabs), and the clocks of several nodes disagree.
  // kConflict if the id hash exists (never expected: ids are 256 random bits).
  virtual std::expected<std::size_t, StoreError> create(const Session& s,
                                                        std::size_t max_per_user) = 0;

  // kNotFound if absent.
  virtual std::expected<Session, StoreError> find(const TokenHash& id_hash) = 0;

  // Sets last_seen_at (only ever forward). kNotFound if absent.
  virtual std::expected<void, StoreError> touch(const TokenHash& id_hash, std::int64_t now) = 0;

  // Deletes one session. kNotFound if absent.
  virtual std::expected<void, StoreError> remove(const TokenHash& id_hash) = 0;

  // Deletes every session of `user`, except `keep` if given. Returns how many.
  virtual std::expected<std::size_t, StoreError> remove_all(const UserId& user,
                                                            const TokenHash* keep = nullptr) = 0;

  // The user's sessions, newest first (creation order, as create() evicts).
  virtual std::expected<std::vector<Session>, StoreError> list(const UserId& user) = 0;

  // Deletes sessions with created_at < `created_before` or last_seen_at < `seen_before`
  // (absolute and idle expiry). Returns how many. Called periodically.
  virtual std::expected<std::size_t, StoreError> purge(std::int64_t created_before,
                                                       std::int64_t seen_before) = 0;
};

}  // namespace tessera::store
