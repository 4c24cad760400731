// The users' identities at upstream OpenID Connect providers (SPEC.md "Federated sign-in"):
// an identity is the provider's (issuer, sub) pair, which OpenID Connect Core section 5.7 names
// as the only stable key of an end-user (never the email, which the provider may reassign). One
// identity belongs to at most one user; a user may have any number (several providers).
// Implementations: memory/, sqlite/, postgres/ - the backend that keeps the users, also when a
// cache is configured. Thread-safe; every method completes entirely or changes nothing.
//
// An identity goes with its user (UserStore::remove; the SQL backends cascade). Which identity
// may be linked to which user, and when one may be unlinked, is the federation service's.
// REQUIRES: every string is valid UTF-8 without NUL; issuer and sub are not empty.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

struct FederatedIdentity {
  std::string issuer;  // the provider's issuer URL, exactly as its ID tokens' "iss"
  std::string sub;     // the provider's subject identifier (at most 255 ASCII characters)
  UserId user_id{};
  std::string email;           // the email the provider gave when linked (display only)
  std::int64_t linked_at = 0;  // Unix seconds
};

class FederatedIdentityStore {
 public:
  virtual ~FederatedIdentityStore() = default;

  // Links `identity` to its user_id. kConflict if (issuer, sub) is linked already (to this user
  // or another), kNotFound if the user does not exist: nothing is stored.
  virtual std::expected<void, StoreError> link(const FederatedIdentity& identity) = 0;

  // Creates `user` (UserStore::create's rules) and links `identity` to it, in one transaction.
  // kConflict if the user's id or email is taken or the identity is linked: nothing is stored.
  // REQUIRES: identity.user_id == user.id.
  virtual std::expected<void, StoreError> create_user(const User& user,
                                                      const FederatedIdentity& identity) = 0;

  // The identity (issuer, sub). kNotFound if it is linked to nobody.
  virtual std::expected<FederatedIdentity, StoreError> find(std::string_view issuer,
                                                            std::string_view sub) = 0;

  // Every identity of the user, ordered by linked_at, then issuer, then sub (bytewise). Empty
  // for an unknown user.
  virtual std::expected<std::vector<FederatedIdentity>, StoreError> list(const UserId& user) = 0;

  // Unlinks (issuer, sub) from `user`. kNotFound if it is not linked to that user (also when it
  // is another user's: nothing changes).
  virtual std::expected<void, StoreError> unlink(const UserId& user, std::string_view issuer,
                                                 std::string_view sub) = 0;
};

}  // namespace tessera::store
