// ClientStore on PostgreSQL: one row per client in `oauth_clients` (migration 0005). The four
// lists are TEXT[] columns (in the caller's order), as the users' roles are: a client is always
// read whole. Every method is one statement, atomic on its own; a taken id is a unique
// violation: kConflict. Ids are COLLATE "C", so list() orders them bytewise on any server
// locale, as the other backends do.
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

// The columns decode_client() reads, in this order.
constexpr std::string_view kFind =
    "SELECT id, name, type, auth_method, redirect_uris, post_logout_redirect_uris, grant_types, "
    "scopes, first_party, jwks, secret_hash, created_at, updated_at FROM oauth_clients "
    "WHERE id = $1";
constexpr std::string_view kList =
    "SELECT id, name, type, auth_method, redirect_uris, post_logout_redirect_uris, grant_types, "
    "scopes, first_party, jwks, secret_hash, created_at, updated_at FROM oauth_clients "
    "ORDER BY created_at, id";
// fields() gives $1 .. $12 of both; create() adds created_at as $13.
constexpr std::string_view kInsert =
    "INSERT INTO oauth_clients (id, name, type, auth_method, redirect_uris, "
    "post_logout_redirect_uris, grant_types, scopes, first_party, jwks, secret_hash, updated_at, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
constexpr std::string_view kUpdate =
    "UPDATE oauth_clients SET name = $2, type = $3, auth_method = $4, redirect_uris = $5, "
    "post_logout_redirect_uris = $6, grant_types = $7, scopes = $8, first_party = $9, jwks = $10, "
    "secret_hash = $11, updated_at = $12 WHERE id = $1";

// Adds the secret hash: its bytes, or a NULL of the same type (one prepared statement serves
// both).
Params& add_secret(Params& params, const std::optional<TokenHash>& secret_hash) {
  return secret_hash ? params.bytea(*secret_hash) : params.null(kByteaOid);
}

// Every column but created_at, as $1 .. $12 (see kInsert and kUpdate).
Params fields(const Client& c) {
  Params params;
  params.text(c.id)
      .text(c.name)
      .text(to_string(c.type))
      .text(to_string(c.auth_method))
      .text_array(c.redirect_uris)
      .text_array(c.post_logout_redirect_uris)
      .text_array(c.grant_types)
      .text_array(c.scopes)
      .boolean(c.first_party)
      .text(c.jwks);
  add_secret(params, c.secret_hash).int8(c.updated_at);
  return params;
}

Client decode_client(Row& row) {
  Client c;
  c.id = row.text(0);
  c.name = row.text(1);
  const auto type = parse_client_type(row.text(2));
  const auto auth_method = parse_client_auth_method(row.text(3));
  c.redirect_uris = row.text_array(4);
  c.post_logout_redirect_uris = row.text_array(5);
  c.grant_types = row.text_array(6);
  c.scopes = row.text_array(7);
  c.first_party = row.boolean(8);
  c.jwks = row.text(9);
  c.secret_hash = row.nullable_blob<32>(10);
  c.created_at = row.integer(11);
  c.updated_at = row.integer(12);
  if (!type || !auth_method) row.mark_corrupt();
  c.type = type.value_or(ClientType::kConfidential);
  c.auth_method = auth_method.value_or(ClientAuthMethod::kClientSecretBasic);
  return c;
}

class PostgresClientStore final : public ClientStore {
 public:
  explicit PostgresClientStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<void, StoreError> create(const Client& client) override {
    Params params = fields(client);
    auto inserted = changes(*pool_, "clients.create", kInsert, params.int8(client.created_at));
    if (!inserted) return std::unexpected(inserted.error());  // kConflict: the id exists
    return {};
  }

  std::expected<Client, StoreError> find(std::string_view id) override {
    return call(*pool_, "clients.find", [&](Op& op) -> std::expected<Client, StoreError> {
      auto result = op.exec(kFind, Params().text(id));
      if (!result) return std::unexpected(result.error());
      return decode_first(op, *result, "oauth_clients", decode_client);
    });
  }

  std::expected<std::vector<Client>, StoreError> list() override {
    return call(*pool_, "clients.list",
                [&](Op& op) -> std::expected<std::vector<Client>, StoreError> {
                  auto result = op.exec(kList);
                  if (!result) return std::unexpected(result.error());
                  return decode_rows(op, *result, "oauth_clients", decode_client);
                });
  }

  std::expected<void, StoreError> update(const Client& client) override {
    return change_one(*pool_, "clients.update", kUpdate, fields(client));
  }

  std::expected<void, StoreError> set_secret(std::string_view id,
                                             const std::optional<TokenHash>& secret_hash,
                                             std::int64_t updated_at) override {
    Params params;
    add_secret(params.text(id), secret_hash).int8(updated_at);
    return change_one(*pool_, "clients.set_secret",
                      "UPDATE oauth_clients SET secret_hash = $2, updated_at = $3 WHERE id = $1",
                      params);
  }

  std::expected<void, StoreError> remove(std::string_view id) override {
    return change_one(*pool_, "clients.remove", "DELETE FROM oauth_clients WHERE id = $1",
                      Params().text(id));
  }

 private:
  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<ClientStore> make_client_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresClientStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
