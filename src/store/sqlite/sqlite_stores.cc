#include "store/sqlite/sqlite_stores.h"

#include "store/sqlite/internal.h"
#include "store/sqlite/migrations.h"

namespace tessera::store::sqlite {
namespace {

std::expected<std::shared_ptr<Database>, std::string> open_database(const StoreConfig& config) {
  Options options;
  options.path = config.sqlite_path;
  options.busy_timeout_ms = config.sqlite_busy_timeout_ms;
  options.on_error = config.on_error;
  if (config.timer) {
    options.read_latency = config.timer("sqlite", "read");
    options.write_latency = config.timer("sqlite", "write");
  }
  auto db = Database::open(std::move(options));
  if (!db) return std::unexpected(db.error());
  auto version = apply_migrations(**db);
  if (!version) return std::unexpected(version.error());
  return db;
}

}  // namespace

std::expected<Stores, std::string> open_stores(const StoreConfig& config) {
  auto db = open_database(config);
  if (!db) return std::unexpected(db.error());
  std::shared_ptr<Database> shared = std::move(*db);
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
      // Readable, and at the version this binary expects (a newer `tessera migrate` run
      // beside an older server makes the server unready rather than wrong).
      .ready =
          [shared] {
            auto lease = shared->acquire();
            if (!lease) return false;
            auto version = schema_version(**lease);
            return version && *version == latest_version();
          },
      .pools = {{.backend = "sqlite", .state = [shared] { return shared->pool_state(); }}},
  };
}

std::expected<int, std::string> migrate(const StoreConfig& config) {
  auto db = Database::open(Options{.path = config.sqlite_path,
                                   .busy_timeout_ms = config.sqlite_busy_timeout_ms,
                                   .on_error = config.on_error});
  if (!db) return std::unexpected(db.error());
  return apply_migrations(**db);
}

}  // namespace tessera::store::sqlite
