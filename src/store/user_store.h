// Users. Implementations: memory/, sqlite/, postgres/. Thread-safe: every method may be
// called from many threads at once. Every method either completes entirely or changes nothing.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

// A user's place in list order: (created_at, id), compared bytewise on the id.
struct UserListPosition {
  std::int64_t created_at = 0;
  UserId id{};
};

// What UserStore::list returns: users ordered by created_at then id, at most `limit`, each
// strictly after `after` when it is set (keyset paging: pass the last user of a page to get
// the next, unmoved by users created or removed meanwhile), and, when `email_contains` is not
// empty, only those whose email holds it as a byte substring. The store matches bytes exactly
// (no case folding, no pattern characters: `%` and `_` are themselves); emails are stored
// normalized (auth/email.h), so a caller lower-cases the ASCII letters of what it searches for.
struct UserListQuery {
  std::size_t limit = 100;
  std::optional<UserListPosition> after;
  std::string email_contains;
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  // Adds `user`. kConflict if the id or the email (already normalized by the caller) exists.
  virtual std::expected<void, StoreError> create(const User& user) = 0;

  // kNotFound if absent.
  virtual std::expected<User, StoreError> find_by_id(const UserId& id) = 0;
  virtual std::expected<User, StoreError> find_by_email(std::string_view email) = 0;

  // Sets password_hash and password_changed_at. kNotFound if absent.
  virtual std::expected<void, StoreError> set_password(const UserId& id, std::string_view hash,
                                                       std::int64_t changed_at) = 0;
  // Replaces password_hash only (re-hash with stronger parameters; not a password change).
  virtual std::expected<void, StoreError> rehash_password(const UserId& id,
                                                          std::string_view hash) = 0;
  virtual std::expected<void, StoreError> set_disabled(const UserId& id, bool disabled) = 0;
  virtual std::expected<void, StoreError> set_email_verified(const UserId& id, bool verified) = 0;
  virtual std::expected<void, StoreError> set_roles(const UserId& id,
                                                    const std::vector<std::string>& roles) = 0;

  // Sets the email (already normalized by the caller). kConflict if another user has it,
  // kNotFound if `id` is absent. For re-normalizing stored emails (auth/email.h), not a
  // user-facing email change.
  virtual std::expected<void, StoreError> set_email(const UserId& id, std::string_view email) = 0;

  // The users whose email holds any byte outside ASCII, in no particular order: the only ones
  // a change of email normalization can concern (an internationalized domain, a non-ASCII
  // local part). Expected to be few.
  virtual std::expected<std::vector<User>, StoreError> list_non_ascii_emails() = 0;

  // Deletes the user and, in the same transaction, every row that belongs to them: sessions
  // kept in this backend, refresh families (and their tokens), devices, OAuth codes and
  // consents, second factors and passkeys, account tokens, mails in the outbox; their audit
  // events stay (the log is the record of what happened) with the email taken out of their
  // detail. What this backend does NOT hold (sessions and revocations in a cache) is the
  // caller's to end first; the user's not-before stays, so their access tokens stay refused.
  // kNotFound if absent (nothing changed).
  virtual std::expected<void, StoreError> remove(const UserId& id) = 0;

  // The users `q` selects, in its order (see UserListQuery).
  virtual std::expected<std::vector<User>, StoreError> list(const UserListQuery& q) = 0;
};

}  // namespace tessera::store
