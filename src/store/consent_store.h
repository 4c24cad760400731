// What each user has allowed each OAuth client (OpenID Connect Core 1.0 section 3.1.2.4: the
// authorization server obtains consent, and may remember it). /oauth2/authorize asks only for
// scopes not yet granted; the account page lists the grants ("connected apps") and revokes
// them. Implementations: memory/, sqlite/, postgres/ (in the backend also when a cache is
// configured). Thread-safe; every method completes entirely or changes nothing.
//
// A grant goes when its client is removed (ClientStore::remove; the SQL backends cascade).
//
// The store keeps records; which scopes a grant covers, and what revoking it also ends (the
// client's refresh families for that user), is the consent service's. REQUIRES: every string is
// valid UTF-8 without NUL.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tessera::store {

struct Consent {
  UserId user_id{};
  std::string client_id;
  std::string scope;            // the granted scopes, space-separated, as the caller wrote them
  std::int64_t created_at = 0;  // Unix seconds: the first grant
  std::int64_t updated_at = 0;  // Unix seconds: the last change of `scope`
};

class ConsentStore {
 public:
  virtual ~ConsentStore() = default;

  // Records the grant of `consent.user_id` to `consent.client_id`: creates it with every field
  // as given, or if one exists replaces its scope and updated_at (its created_at stays).
  // kNotFound if the client does not exist (nothing is stored).
  virtual std::expected<void, StoreError> put(const Consent& consent) = 0;

  // The user's grant to the client. kNotFound if none.
  virtual std::expected<Consent, StoreError> find(const UserId& user,
                                                  std::string_view client_id) = 0;

  // Every grant of the user, ordered by created_at, then client_id (bytewise).
  virtual std::expected<std::vector<Consent>, StoreError> list(const UserId& user) = 0;

  // Deletes the user's grant to the client. kNotFound if none.
  virtual std::expected<void, StoreError> remove(const UserId& user,
                                                 std::string_view client_id) = 0;
};

}  // namespace tessera::store
