// FederatedIdentityStore on SQLite: the federated_identities table of migration 0012, whose
// primary key (issuer, sub) gives each identity one user. link() checks the user inside its
// write transaction and inserts with ON CONFLICT DO NOTHING, so a taken identity (kConflict)
// and a missing user (kNotFound) are told apart without reading a constraint's name.
#include <string>
#include <vector>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// The columns decode() reads, in this order.
constexpr const char* kColumns = "issuer, sub, user_id, email, linked_at";

std::expected<FederatedIdentity, StoreError> decode(Database& db, const Statement& st) {
  Row row(st);
  FederatedIdentity f;
  f.issuer = row.text(0);
  f.sub = row.text(1);
  f.user_id = row.blob<16>(2);
  f.email = row.text(3);
  f.linked_at = row.integer(4);
  if (!row.ok()) return std::unexpected(db.corrupt("federated_identities"));
  return f;
}

// The INSERT of link() and create_user() on `lease`: kConflict if the identity is taken.
std::expected<void, StoreError> insert_identity(Database& db, Database::Lease& lease,
                                                const FederatedIdentity& f) {
  auto st = prepare(db, lease,
                    "INSERT INTO federated_identities (issuer, sub, user_id, email, linked_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (issuer, sub) DO NOTHING");
  if (!st) return std::unexpected(st.error());
  st->bind(1, f.issuer)
      .bind(2, f.sub)
      .bind_blob(3, f.user_id)
      .bind(4, f.email)
      .bind(5, f.linked_at);
  if (auto done = run(db, lease, *st, "federated_identities.insert"); !done) return done;
  if (lease->changes() == 0) return std::unexpected(StoreError::kConflict);
  return {};
}

class SqliteFederatedIdentityStore final : public FederatedIdentityStore {
 public:
  explicit SqliteFederatedIdentityStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> link(const FederatedIdentity& identity) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      auto st = prepare(*db_, lease, "SELECT 1 FROM users WHERE id = ?1");
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, identity.user_id);
      auto found = step_row(*db_, lease, *st, "federated_identities.link");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return insert_identity(*db_, lease, identity);
    });
  }

  std::expected<void, StoreError> create_user(const User& user,
                                              const FederatedIdentity& identity) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<void, StoreError> {
      if (auto created = insert_user(*db_, lease, user); !created) return created;
      return insert_identity(*db_, lease, identity);
    });
  }

  std::expected<FederatedIdentity, StoreError> find(std::string_view issuer,
                                                    std::string_view sub) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<FederatedIdentity, StoreError> {
      auto st = prepare(*db_, lease,
                        std::string("SELECT ") + kColumns +
                            " FROM federated_identities WHERE issuer = ?1 AND sub = ?2");
      if (!st) return std::unexpected(st.error());
      st->bind(1, issuer).bind(2, sub);
      auto found = step_row(*db_, lease, *st, "federated_identities.find");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return decode(*db_, *st);
    });
  }

  std::expected<std::vector<FederatedIdentity>, StoreError> list(const UserId& user) override {
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<FederatedIdentity>, StoreError> {
          auto st = prepare(*db_, lease,
                            std::string("SELECT ") + kColumns +
                                " FROM federated_identities WHERE user_id = ?1 "
                                "ORDER BY linked_at, issuer, sub");
          if (!st) return std::unexpected(st.error());
          st->bind_blob(1, user);
          return collect<FederatedIdentity>(*db_, lease, *st, "federated_identities.list",
                                            [&](const Statement& s) { return decode(*db_, s); });
        });
  }

  std::expected<void, StoreError> unlink(const UserId& user, std::string_view issuer,
                                         std::string_view sub) override {
    auto removed = write_changes(
        *db_, "federated_identities.unlink",
        "DELETE FROM federated_identities WHERE user_id = ?1 AND issuer = ?2 AND sub = ?3",
        [&](Statement& st) { st.bind_blob(1, user).bind(2, issuer).bind(3, sub); });
    if (!removed) return std::unexpected(removed.error());
    if (*removed == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<FederatedIdentityStore> make_federated_identity_store(
    std::shared_ptr<Database> db) {
  return std::make_shared<SqliteFederatedIdentityStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
