// KeyStore on PostgreSQL: the version in `keyring` (one row, created by the migration at 0), the
// keys in `signing_keys`. replace() compare-and-sets the version with one conditional UPDATE
// and rewrites the keys in the same transaction: of N concurrent writers on any nodes, the
// first takes the row lock and the others, once it commits, re-check the condition against
// the new version and update nothing (kConflict).
#include <optional>

#include "store/postgres/internal.h"

namespace tessera::store::postgres {
namespace {

constexpr std::string_view kVersion = "SELECT version FROM keyring WHERE id = 1";

std::int64_t decode_version(Row& row) {
  const std::int64_t v = row.integer(0);
  if (v < 0) row.mark_corrupt();
  return v;
}

SigningKey decode_key(Row& row) {
  SigningKey k;
  k.kid = row.text(0);
  k.alg = row.text(1);
  const std::string state = row.text(2);
  k.public_jwk = row.text(3);
  k.sealed_private = row.text(4);
  k.created_at = row.integer(5);
  k.activated_at = row.integer(6);
  k.retired_at = row.integer(7);
  std::optional<KeyState> parsed;
  for (KeyState s : {KeyState::kNext, KeyState::kActive, KeyState::kRetired}) {
    if (to_string(s) == state) parsed = s;
  }
  if (!parsed) row.mark_corrupt();
  k.state = parsed.value_or(KeyState::kNext);
  return k;
}

class PostgresKeyStore final : public KeyStore {
 public:
  explicit PostgresKeyStore(std::shared_ptr<Pool> pool) : pool_(std::move(pool)) {}

  std::expected<Keyring, StoreError> load() override {
    // Two statements that must agree: one snapshot.
    return transaction(
        *pool_, "keys.load",
        [&](Op& op) -> std::expected<Keyring, StoreError> {
          auto version = version_in(op);
          if (!version) return std::unexpected(version.error());
          auto result = op.exec(
              "SELECT kid, alg, state, public_jwk, sealed_private, created_at, activated_at, "
              "retired_at FROM signing_keys ORDER BY position");
          if (!result) return std::unexpected(result.error());
          auto keys = decode_rows(op, *result, "signing_keys", decode_key);
          if (!keys) return std::unexpected(keys.error());
          // Keys at version 0: written by something other than replace().
          if (*version == 0 && !keys->empty()) return std::unexpected(op.corrupt("keyring"));
          return Keyring{.version = *version, .keys = std::move(*keys)};
        },
        Op::Isolation::kRepeatableReadOnly);
  }

  std::expected<std::int64_t, StoreError> version() override {
    return call(*pool_, "keys.version", [&](Op& op) { return version_in(op); });
  }

  std::expected<std::int64_t, StoreError> replace(std::int64_t expected_version,
                                                  const std::vector<SigningKey>& keys) override {
    return transaction(
        *pool_, "keys.replace", [&](Op& op) -> std::expected<std::int64_t, StoreError> {
          auto bumped = op.exec(
              "UPDATE keyring SET version = version + 1 WHERE id = 1 AND version = $1 "
              "RETURNING version",
              Params().int8(expected_version));
          if (!bumped) return std::unexpected(bumped.error());
          if (bumped->rows() == 0) return std::unexpected(StoreError::kConflict);  // lost the CAS
          auto next = decode_first(op, *bumped, "keyring", decode_version);
          if (!next) return std::unexpected(next.error());

          if (auto cleared = op.exec("DELETE FROM signing_keys"); !cleared) {
            return std::unexpected(cleared.error());
          }
          std::int64_t position = 0;
          for (const SigningKey& k : keys) {
            // A repeated kid: kConflict, and the whole transaction rolls back.
            auto inserted = op.exec(
                "INSERT INTO signing_keys (kid, position, alg, state, public_jwk, sealed_private, "
                "created_at, activated_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                Params()
                    .text(k.kid)
                    .int8(position++)
                    .text(k.alg)
                    .text(to_string(k.state))
                    .text(k.public_jwk)
                    .text(k.sealed_private)
                    .int8(k.created_at)
                    .int8(k.activated_at)
                    .int8(k.retired_at));
            if (!inserted) return std::unexpected(inserted.error());
          }
          return next;
        });
  }

 private:
  // The stored version on `op` (0 if the keyring was never written).
  static std::expected<std::int64_t, StoreError> version_in(Op& op) {
    auto result = op.exec(kVersion);
    if (!result) return std::unexpected(result.error());
    return decode_single(op, *result, "keyring", decode_version);
  }

  std::shared_ptr<Pool> pool_;
};

}  // namespace

std::shared_ptr<KeyStore> make_key_store(std::shared_ptr<Pool> pool) {
  return std::make_shared<PostgresKeyStore>(std::move(pool));
}

}  // namespace tessera::store::postgres
