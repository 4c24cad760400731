// FederatedIdentityStore on PostgreSQL: the federated_identities table of migration 0011, as
// sqlite/ does: the primary key (issuer, sub) gives each identity one user, and link() locks
// the user's row (FOR KEY SHARE: a concurrent remove waits) before INSERT ... ON CONFLICT DO
// NOTHING, so a taken identity (kConflict) and a missing user (kNotFound) are told apart on any
// node. list() orders issuer and sub COLLATE "C" (bytewise, as the other backends).
#include <string>
#include <vector>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// The columns decode_identity() reads, in this order.
constexpr std::string_view kFind =
    "SELECT issuer, sub, user_id, email, linked_at FROM federated_identities "
    "WHERE issuer = $1 AND sub = $2";
constexpr std::string_view kList =
    "SELECT issuer, sub, user_id, email, linked_at FROM federated_identities WHERE user_id = $1 "
    "ORDER BY linked_at, issuer COLLATE \"C\", sub COLLATE \"C\"";

FederatedIdentity decode_identity(Row& row) {
  FederatedIdentity f;
  f.issuer = row.text(0);
  f.sub = row.text(1);
  f.user_id = row.blob<16>(2);
  f.email = row.text(3);
  f.linked_at = row.integer(4);
  return f;
}

// The INSERT of link() and create_user() on `op`: kConflict if the identity is taken.
std::expected<void, StoreError> insert_identity(Op& op, const FederatedIdentity& f) {
  auto inserted = exec_changes(
      op,
      "INSERT INTO federated_identities (issuer, sub, user_id, email, linked_at) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (issuer, sub) DO NOTHING",
      Params().text(f.issuer).text(f.sub).bytea(f.user_id).text(f.email).int8(f.linked_at));
  if (!inserted) return std::unexpected(inserted.error());
  if (*inserted == 0) return std::unexpected(StoreError::kConflict);
  return {};
}

class PostgresFederatedIdentityStore final : public FederatedIdentityStore {
 public:
  explicit PostgresFederatedIdentityStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> link(const FederatedIdentity& identity) override {
    return transaction(*pool_, "federated_identities.link",
                       [&](Op& op) -> std::expected<void, StoreError> {
                         auto user = op.exec("SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE",
                                             Params().bytea(identity.user_id));
                         if (!user) return std::unexpected(user.error());
                         if (user->rows() == 0) return std::unexpected(StoreError::kNotFound);
                         return insert_identity(op, identity);
                       });
  }

  std::expected<void, StoreError> create_user(const User& user,
                                              const FederatedIdentity& identity) override {
    return transaction(*pool_, "federated_identities.create_user",
                       [&](Op& op) -> std::expected<void, StoreError> {
                         if (auto created = insert_user(op, user); !created) return created;
                         return insert_identity(op, identity);
                       });
  }

  std::expected<FederatedIdentity, StoreError> find(std::string_view issuer,
                                                    std::string_view sub) override {
    return call(*pool_, "federated_identities.find",
                [&](Op& op) -> std::expected<FederatedIdentity, StoreError> {
                  auto result = op.exec(kFind, Params().text(issuer).text(sub));
                  if (!result) return std::unexpected(result.error());
                  return decode_first(op, *result, "federated_identities", decode_identity);
                });
  }

  std::expected<std::vector<FederatedIdentity>, StoreError> list(const UserId& user) override {
    return call(*pool_, "federated_identities.list",
                [&](Op& op) -> std::expected<std::vector<FederatedIdentity>, StoreError> {
                  auto result = op.exec(kList, Params().bytea(user));
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "federated_identities", decode_identity);
                });
  }

  std::expected<void, StoreError> unlink(const UserId& user, std::string_view issuer,
                                         std::string_view sub) override {
    return change_one(
        *pool_, "federated_identities.unlink",
        "DELETE FROM federated_identities WHERE user_id = $1 AND issuer = $2 AND sub = $3",
        Params().bytea(user).text(issuer).text(sub));
  }

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<FederatedIdentityStore> make_federated_identity_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresFederatedIdentityStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
