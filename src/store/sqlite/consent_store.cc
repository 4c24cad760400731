// ConsentStore on SQLite: one row per user and client in `oauth_consents` (migration 0007).
// Every method is one statement, atomic on its own. put() is an upsert that keeps created_at;
// the client is a foreign key, so a grant goes with its client, and one for a client that does
// not exist is refused: the only constraint the upsert can break (kNotFound).
#include <string>
#include <vector>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// The columns decode() reads, in this order.
constexpr const char* kFind =
    "SELECT user_id, client_id, scope, created_at, updated_at FROM oauth_consents "
    "WHERE user_id = ?1 AND client_id = ?2";
constexpr const char* kList =
    "SELECT user_id, client_id, scope, created_at, updated_at FROM oauth_consents "
    "WHERE user_id = ?1 ORDER BY created_at, client_id";
constexpr const char* kPut =
    "INSERT INTO oauth_consents (user_id, client_id, scope, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, client_id) DO UPDATE SET "
    "scope = excluded.scope, updated_at = excluded.updated_at";

std::expected<Consent, StoreError> decode(Database& db, const Statement& st) {
  Row row(st);
  Consent c;
  c.user_id = row.blob<16>(0);
  c.client_id = row.text(1);
  c.scope = row.text(2);
  c.created_at = row.integer(3);
  c.updated_at = row.integer(4);
  if (!row.ok()) return std::unexpected(db.corrupt("oauth_consents"));
  return c;
}

class SqliteConsentStore final : public ConsentStore {
 public:
  explicit SqliteConsentStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> put(const Consent& consent) override {
    auto written = write_changes(*db_, "consents.put", kPut, [&](Statement& st) {
      st.bind_blob(1, consent.user_id)
          .bind(2, consent.client_id)
          .bind(3, consent.scope)
          .bind(4, consent.created_at)
          .bind(5, consent.updated_at);
    });
    if (!written && written.error() == StoreError::kConflict) {
      return std::unexpected(StoreError::kNotFound);  // no such client
    }
    if (!written) return std::unexpected(written.error());
    return {};
  }

  std::expected<Consent, StoreError> find(const UserId& user, std::string_view client_id) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<Consent, StoreError> {
      auto st = prepare(*db_, lease, kFind);
      if (!st) return std::unexpected(st.error());
      st->bind_blob(1, user).bind(2, client_id);
      auto found = step_row(*db_, lease, *st, "consents.find");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return decode(*db_, *st);
    });
  }

  std::expected<std::vector<Consent>, StoreError> list(const UserId& user) override {
    return db_->read(
        [&](Database::Lease& lease) -> std::expected<std::vector<Consent>, StoreError> {
          auto st = prepare(*db_, lease, kList);
          if (!st) return std::unexpected(st.error());
          st->bind_blob(1, user);
          return collect<Consent>(*db_, lease, *st, "consents.list",
                                  [&](const Statement& s) { return decode(*db_, s); });
        });
  }

  std::expected<void, StoreError> remove(const UserId& user, std::string_view client_id) override {
    auto removed = write_changes(*db_, "consents.remove",
                                 "DELETE FROM oauth_consents WHERE user_id = ?1 AND client_id = ?2",
                                 [&](Statement& st) { st.bind_blob(1, user).bind(2, client_id); });
    if (!removed) return std::unexpected(removed.error());
    if (*removed == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<ConsentStore> make_consent_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteConsentStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
