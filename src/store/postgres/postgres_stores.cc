#include "store/postgres/postgres_stores.h"

#include "store/postgres/internal.h"
#include "store/postgres/migrations.h"

namespace tessera::store::postgres {
namespace {

std::expected<std::shared_ptr<Pool>, std::string> open_pool(const StoreConfig& config) {
  return Pool::open(
      PoolOptions{.dsn = config.postgres_dsn,
                  .max_connections = config.postgres_pool,
                  .timeout = std::chrono::milliseconds(config.network_timeout_ms),
                  .on_error = config.on_error,
                  .latency = config.timer ? config.timer("postgres", "call") : nullptr});
}

}  // namespace

std::expected<Stores, std::string> open_stores(const StoreConfig& config) {
  auto pool = open_pool(config);
  if (!pool) return std::unexpected(pool.error());
  if (auto version = apply_migrations(**pool); !version) {
    return std::unexpected(version.error());
  }
  std::shared_ptr<Pool> shared = std::move(*pool);
  return Stores{
      .users = make_user_store(shared),
      .sessions = make_session_store(shared),
      .counters = make_counter_store(shared),
      .audit = make_audit_store(shared),
      .refresh = make_refresh_store(shared),
      .keys = make_key_store(shared),
      .revocations = make_revocation_store(shared),
      .clients = make_client_store(shared),
      .codes = make_authorization_code_store(shared),
      .consents = make_consent_store(shared),
      .credentials = make_credential_store(shared),
      .outbox = make_outbox_store(shared),
      .account_tokens = make_account_token_store(shared),
      .federated_identities = make_federated_identity_store(shared),
      .changes = make_local_change_feed(),
      // Reachable within the bound, and at the version this binary expects (a newer node's
      // migration makes this one unready rather than wrong).
      .ready =
          [shared] {
            auto op = Op::start(*shared, "ready");
            if (!op) return false;
            auto version = schema_version(*op);
            return version && *version == latest_version();
          },
      .pools = {{.backend = "postgres", .state = [shared] { return shared->state(); }}},
  };
}

std::expected<int, std::string> migrate(const StoreConfig& config) {
  auto pool = open_pool(config);
  if (!pool) return std::unexpected(pool.error());
  return apply_migrations(**pool);
}

}  // namespace tessera::store::postgres
