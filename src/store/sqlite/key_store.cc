// KeyStore on SQLite: the version in `keyring` (one row), the keys in `signing_keys`. replace()
// checks the version and rewrites both inside one BEGIN IMMEDIATE transaction, so the
// compare-and-set holds across processes (the CLI's `keys rotate` beside a running server).
#include <optional>

#include "store/sqlite/internal.h"

namespace tessera::store::sqlite {
namespace {

constexpr const char* kVersion = "SELECT version FROM keyring WHERE id = 1";

std::optional<KeyState> parse_state(std::string_view text) {
  for (KeyState s : {KeyState::kNext, KeyState::kActive, KeyState::kRetired}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

class SqliteKeyStore final : public KeyStore {
 public:
  explicit SqliteKeyStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::expected<Keyring, StoreError> load() override {
    // Two statements that must agree: one read transaction.
    return db_->read_transaction([&](Database::Lease& lease) -> std::expected<Keyring, StoreError> {
      auto version = version_in(lease);
      if (!version) return std::unexpected(version.error());
      auto st = prepare(*db_, lease,
                        "SELECT kid, alg, state, public_jwk, sealed_private, created_at, "
                        "activated_at, retired_at FROM signing_keys ORDER BY position");
      if (!st) return std::unexpected(st.error());
      auto keys = collect<SigningKey>(*db_, lease, *st, "keys.load",
                                      [&](const Statement& s) { return decode(s); });
      if (!keys) return std::unexpected(keys.error());
      // Keys without a version row: written by something other than replace().
      if (*version == 0 && !keys->empty()) return std::unexpected(db_->corrupt("keyring"));
      return Keyring{.version = *version, .keys = std::move(*keys)};
    });
  }

  std::expected<std::int64_t, StoreError> version() override {
    return db_->read([&](Database::Lease& lease) { return version_in(lease); });
  }

  std::expected<std::int64_t, StoreError> replace(std::int64_t expected_version,
                                                  const std::vector<SigningKey>& keys) override {
    return db_->write([&](Database::Lease& lease) -> std::expected<std::int64_t, StoreError> {
      auto current = version_in(lease);  // under the write lock: the compare of the CAS
      if (!current) return std::unexpected(current.error());
      if (*current != expected_version) return std::unexpected(StoreError::kConflict);

      auto clear = prepare(*db_, lease, "DELETE FROM signing_keys");
      if (!clear) return std::unexpected(clear.error());
      if (auto done = run(*db_, lease, *clear, "keys.replace"); !done) {
        return std::unexpected(done.error());
      }
      std::int64_t position = 0;
      for (const SigningKey& k : keys) {
        auto st = prepare(*db_, lease,
                          "INSERT INTO signing_keys (kid, position, alg, state, public_jwk, "
                          "sealed_private, created_at, activated_at, retired_at) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        if (!st) return std::unexpected(st.error());
        st->bind(1, k.kid)
            .bind(2, position++)
            .bind(3, k.alg)
            .bind(4, to_string(k.state))
            .bind(5, k.public_jwk)
            .bind(6, k.sealed_private)
            .bind(7, k.created_at)
            .bind(8, k.activated_at)
            .bind(9, k.retired_at);
        // A repeated kid: kConflict, and the whole transaction rolls back.
        if (auto done = run(*db_, lease, *st, "keys.replace"); !done) {
          return std::unexpected(done.error());
        }
      }

      const std::int64_t next = expected_version + 1;
      auto bump = prepare(*db_, lease,
                          "INSERT INTO keyring (id, version) VALUES (1, ?1) "
                          "ON CONFLICT (id) DO UPDATE SET version = excluded.version");
      if (!bump) return std::unexpected(bump.error());
      bump->bind(1, next);
      if (auto done = run(*db_, lease, *bump, "keys.replace"); !done) {
        return std::unexpected(done.error());
      }
      return next;
    });
  }

 private:
  // The stored version on `lease` (0 if the keyring was never written).
  std::expected<std::int64_t, StoreError> version_in(Database::Lease& lease) {
    auto st = prepare(*db_, lease, kVersion);
    if (!st) return std::unexpected(st.error());
    auto found = step_row(*db_, lease, *st, "keys.version");
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::int64_t{0};
    Row row(*st);
    const std::int64_t v = row.integer(0);
    if (!row.ok() || v < 1) return std::unexpected(db_->corrupt("keyring"));
    return v;
  }

  std::expected<SigningKey, StoreError> decode(const Statement& st) {
    Row row(st);
    SigningKey k;
    k.kid = row.text(0);
    k.alg = row.text(1);
    const auto state = parse_state(row.text(2));
    k.public_jwk = row.text(3);
    k.sealed_private = row.text(4);
    k.created_at = row.integer(5);
    k.activated_at = row.integer(6);
    k.retired_at = row.integer(7);
    if (!state) row.mark_corrupt();
    if (!row.ok()) return std::unexpected(db_->corrupt("signing_keys"));
    k.state = *state;
    return k;
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::shared_ptr<KeyStore> make_key_store(std::shared_ptr<Database> db) {
  return std::make_shared<SqliteKeyStore>(std::move(db));
}

}  // namespace tessera::store::sqlite
