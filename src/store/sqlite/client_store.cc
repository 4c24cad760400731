// ClientStore on SQLite: one row per client in `oauth_clients` (migration 0006). The four lists
// are JSON arrays of strings (TEXT), as the users' roles are: a client is always read whole, and
// the caller's order is kept. Every method is one statement, atomic on its own; a taken id is a
// PRIMARY KEY violation: kConflict.
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

// The columns decode() reads, in this order.
constexpr const char* kFind =
    "SELECT id, name, type, auth_method, redirect_uris, post_logout_redirect_uris, grant_types, "
    "scopes, first_party, jwks, secret_hash, created_at, updated_at FROM oauth_clients "
    "WHERE id = ?1";
constexpr const char* kList =
    "SELECT id, name, type, auth_method, redirect_uris, post_logout_redirect_uris, grant_types, "
    "scopes, first_party, jwks, secret_hash, created_at, updated_at FROM oauth_clients "
    "ORDER BY created_at, id";
// bind_fields() binds ?1 .. ?12 of both; create() binds created_at as ?13.
constexpr const char* kInsert =
    "INSERT INTO oauth_clients (id, name, type, auth_method, redirect_uris, "
    "post_logout_redirect_uris, grant_types, scopes, first_party, jwks, secret_hash, updated_at, "
    "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr const char* kUpdate =
    "UPDATE oauth_clients SET name = ?2, type = ?3, auth_method = ?4, redirect_uris = ?5, "
    "post_logout_redirect_uris = ?6, grant_types = ?7, scopes = ?8, first_party = ?9, jwks = ?10, "
    "secret_hash = ?11, updated_at = ?12 WHERE id = ?1";

// The secret hash as ?`index`: its bytes, or NULL for none.
void bind_secret(Statement& st, int index, const std::optional<TokenHash>& secret_hash) {
  if (secret_hash) {
    st.bind_blob(index, *secret_hash);
  } else {
    st.bind_null(index);
  }
}

// A client's lists as JSON, encoded before its write is queued (not under the write lock).
struct Lists {
  explicit Lists(const Client& c)
      : redirect_uris(encode_string_list(c.redirect_uris)),
        post_logout_redirect_uris(encode_string_list(c.post_logout_redirect_uris)),
        grant_types(encode_string_list(c.grant_types)),
        scopes(encode_string_list(c.scopes)) {}
  std::string redirect_uris, post_logout_redirect_uris, grant_types, scopes;
};

// Every column but created_at as ?1 .. ?12 (see kInsert and kUpdate).
void bind_fields(Statement& st, const Client& c, const Lists& lists) {
  st.bind(1, c.id)
      .bind(2, c.name)
      .bind(3, to_string(c.type))
      .bind(4, to_string(c.auth_method))
      .bind(5, lists.redirect_uris)
      .bind(6, lists.post_logout_redirect_uris)
      .bind(7, lists.grant_types)
      .bind(8, lists.scopes)
      .bind(9, std::int64_t{c.first_party ? 1 : 0})
      .bind(10, c.jwks);
  bind_secret(st, 11, c.secret_hash);
  st.bind(12, c.updated_at);
}

class SqliteClientStore final : public ClientStore {
 public:
  explicit SqliteClientStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<void, StoreError> create(const Client& client) override {
    const Lists lists(client);
    auto inserted = write_changes(*db_, "clients.create", kInsert, [&](Statement& st) {
      bind_fields(st, client, lists);
      st.bind(13, client.created_at);
    });
    if (!inserted) return std::unexpected(inserted.error());  // kConflict: the id exists
    return {};
  }

  std::expected<Client, StoreError> find(std::string_view id) override {
    return db_->read([&](Database::Lease& lease) -> std::expected<Client, StoreError> {
      auto st = prepare(*db_, lease, kFind);
      if (!st) return std::unexpected(st.error());
      st->bind(1, id);
      auto found = step_row(*db_, lease, *st, "clients.find");
      if (!found) return std::unexpected(found.error());
      if (!*found) return std::unexpected(StoreError::kNotFound);
      return decode(*st);
    });
  }

  std::expected<std::vector<Client>, StoreError> list() override {
    return db_->read([&](Database::Lease& lease) -> std::expected<std::vector<Client>, StoreError> {
      auto st = prepare(*db_, lease, kList);
      if (!st) return std::unexpected(st.error());
      return collect<Client>(*db_, lease, *st, "clients.list",
                             [&](const Statement& s) { return decode(s); });
    });
  }

  std::expected<void, StoreError> update(const Client& client) override {
    const Lists lists(client);
    return changed_one("clients.update", kUpdate,
                       [&](Statement& st) { bind_fields(st, client, lists); });
  }

  std::expected<void, StoreError> set_secret(std::string_view id,
                                             const std::optional<TokenHash>& secret_hash,
                                             std::int64_t updated_at) override {
    return changed_one("clients.set_secret",
                       "UPDATE oauth_clients SET secret_hash = ?2, updated_at = ?3 WHERE id = ?1",
                       [&](Statement& st) {
                         st.bind(1, id);
                         bind_secret(st, 2, secret_hash);
                         st.bind(3, updated_at);
                       });
  }

  std::expected<void, StoreError> remove(std::string_view id) override {
    return changed_one("clients.remove", "DELETE FROM oauth_clients WHERE id = ?1",
                       [&](Statement& st) { st.bind(1, id); });
  }

 private:
  // One UPDATE or DELETE of one client; kNotFound if it changed no row.
  template <typename Bind>
  std::expected<void, StoreError> changed_one(std::string_view what, std::string_view sql,
                                              Bind&& bind) {
    auto changed = write_changes(*db_, what, sql, bind);
    if (!changed) return std::unexpected(changed.error());
    if (*changed == 0) return std::unexpected(StoreError::kNotFound);
    return {};
  }

  std::expected<Client, StoreError> decode(const Statement& st) {
    Row row(st);
    Client c;
    c.id = row.text(0);
    c.name = row.text(1);
    const std::string type = row.text(2);
    const std::string auth_method = row.text(3);
    const std::string encoded[] = {row.text(4), row.text(5), row.text(6), row.text(7)};
    const std::int64_t first_party = row.integer(8);
    c.jwks = row.text(9);
    c.secret_hash = row.nullable_blob<32>(10);
    c.created_at = row.integer(11);
    c.updated_at = row.integer(12);

    const auto parsed_type = parse_client_type(type);
    const auto parsed_method = parse_client_auth_method(auth_method);
    if (!parsed_type || !parsed_method || (first_party != 0 && first_party != 1)) {
      row.mark_corrupt();
    }
    c.type = parsed_type.value_or(ClientType::kConfidential);
    c.auth_method = parsed_method.value_or(ClientAuthMethod::kClientSecretBasic);
    c.first_party = first_party == 1;
    std::vector<std::string>* const targets[] = {&c.redirect_uris, &c.post_logout_redirect_uris,
                                                 &c.grant_types, &c.scopes};
    for (std::size_t i = 0; i < std::size(encoded) && row.ok(); ++i) {
      if (!decode_string_list(encoded[i], *targets[i])) row.mark_corrupt();
    }
    if (!row.ok()) return std::unexpected(db_->corrupt("oauth_clients"));
    return c;
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<ClientStore> make_client_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteClientStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
