// The audit log: append-only. Implementations: memory/, sqlite/ (postgres/ later). Thread-safe.
#pragma once

#include <expected>
#include <optional>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

struct AuditQuery {
  std::size_t limit = 100;                // at most this many, newest first
  std::optional<std::int64_t> before_id;  // only events with id < this (paging)
  std::optional<UserId> user_id;          // only this user's events
  std::string type;                       // only this type (empty: any)
  // Only events with at >= since. Ids follow time only roughly (nodes' clocks differ), so this
  // filters; it never ends the walk early: an older-looking event can sit between newer ones.
  std::optional<std::int64_t> since;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends `e` (its id is ignored) and returns the id assigned.
  virtual std::expected<std::int64_t, StoreError> append(const AuditEvent& e) = 0;

  virtual std::expected<std::vector<AuditEvent>, StoreError> query(const AuditQuery& q) = 0;

  // Retention: deletes at most `limit` of the events with at < before (which ones first is not
  // promised) and returns how many. In bounded batches so that no purge holds the store's
  // write lock for long; the caller repeats while it gets `limit`. Ids are never reused.
  virtual std::expected<std::size_t, StoreError> purge(std::int64_t before, std::size_t limit) = 0;

  // Records that `user` logged in from device `fingerprint` (user agent + IP prefix, hashed
  // by the caller) at `now`. Returns true if this user had never used that device before (the
  // "new device" audit event). Atomic: two concurrent first logins give one true.
  virtual std::expected<bool, StoreError> remember_device(const UserId& user,
                                                          std::string_view fingerprint,
                                                          std::int64_t now) = 0;
};

}  // namespace tessera::store
