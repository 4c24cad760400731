// ConsentStore on PostgreSQL: one row per user and client in `oauth_consents` (migration 0006).
// Every method is one statement, atomic on its own. put() is INSERT ... ON CONFLICT DO UPDATE,
// which keeps created_at and is atomic however many nodes put one grant at once; the client is
// a foreign key, so a grant goes with its client, and one for a client that does not exist is
// refused: the only constraint the upsert can break (kNotFound). client_id is COLLATE "C", so
// list() orders it bytewise on any server locale, as the other backends do.
#include <string>
#include <vector>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// The columns decode_consent() reads, in this order.
constexpr std::string_view kFind =
    "SELECT user_id, client_id, scope, created_at, updated_at FROM oauth_consents "
    "WHERE user_id = $1 AND client_id = $2";
constexpr std::string_view kList =
    "SELECT user_id, client_id, scope, created_at, updated_at FROM oauth_consents "
    "WHERE user_id = $1 ORDER BY created_at, client_id";
constexpr std::string_view kPut =
    "INSERT INTO oauth_consents (user_id, client_id, scope, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, client_id) DO UPDATE SET "
    "scope = excluded.scope, updated_at = excluded.updated_at";

Consent decode_consent(Row& row) {
  Consent c;
  c.user_id = row.blob<16>(0);
  c.client_id = row.text(1);
  c.scope = row.text(2);
  c.created_at = row.integer(3);
  c.updated_at = row.integer(4);
  return c;
}

class PostgresConsentStore final : public ConsentStore {
 public:
  explicit PostgresConsentStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> put(const Consent& consent) override {
    auto written = changes(*pool_, "consents.put", kPut,
                           Params()
                               .bytea(consent.user_id)
                               .text(consent.client_id)
                               .text(consent.scope)
                               .int8(consent.created_at)
                               .int8(consent.updated_at));
    if (!written && written.error() == StoreError::kConflict) {
      return std::unexpected(StoreError::kNotFound);  // no such client
    }
    if (!written) return std::unexpected(written.error());
    return {};
  }

  std::expected<Consent, StoreError> find(const UserId& user, std::string_view client_id) override {
    return call(*pool_, "consents.find", [&](Op& op) -> std::expected<Consent, StoreError> {
      auto result = op.exec(kFind, Params().bytea(user).text(client_id));
      if (!result) return std::unexpected(result.error());
      return decode_first(op, *result, "oauth_consents", decode_consent);
    });
  }

  std::expected<std::vector<Consent>, StoreError> list(const UserId& user) override {
    return call(*pool_, "consents.list",
                [&](Op& op) -> std::expected<std::vector<Consent>, StoreError> {
                  auto result = op.exec(kList, Params().bytea(user));
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "oauth_consents", decode_consent);
                });
  }

  std::expected<void, StoreError> remove(const UserId& user, std::string_view client_id) override {
    return change_one(*pool_, "consents.remove",
                      "DELETE FROM oauth_consents WHERE user_id = $1 AND client_id = $2",
                      Params().bytea(user).text(client_id));
  }

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<ConsentStore> make_consent_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresConsentStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
