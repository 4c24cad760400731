#include "app/services.h"

#include <utility>

namespace tessera::app {

store::StoreConfig store_config(const Config& config,
                                std::function<void(std::string_view)> on_error) {
  store::StoreConfig sc;
  sc.backend = config.store.backend;
  sc.sqlite_path = config.store.data_dir + "/tessera.db";
  sc.on_error = std::move(on_error);
  return sc;
}

Services::~Services() {
  // Queued hashing jobs hold references to the services: let them finish first.
  if (pool) pool->stop();
}

std::expected<std::unique_ptr<Services>, std::string> open_services(const Config& config,
                                                                    ServicesOptions options) {
  auto stores = store::open_stores(store_config(config, std::move(options.on_store_error)));
  if (!stores) return std::unexpected(stores.error());
  auto s = std::make_unique<Services>();
  s->stores = std::move(*stores);

  auth::HashPoolConfig pool;
  pool.threads = options.hash_threads != 0 ? options.hash_threads : config.auth.hash_threads;
  pool.queue_per_thread = config.auth.hash_queue_per_thread;
  s->pool = std::make_unique<auth::HashPool>(pool);

  auth::UserServiceConfig users;
  users.params.memory_kib = config.auth.argon2_memory_kib;
  users.params.iterations = config.auth.argon2_iterations;
  users.policy.min_chars = config.auth.password_min_length;
  auto user_service = auth::UserService::create(s->stores.users, *s->pool, users);
  if (!user_service) return std::unexpected(user_service.error());
  s->users = std::move(*user_service);

  auth::SessionConfig sessions;
  sessions.idle_timeout = config.sessions.idle_timeout.count();
  sessions.absolute_lifetime = config.sessions.absolute_lifetime.count();
  sessions.max_per_user = config.sessions.max_sessions_per_user;
  s->sessions =
      std::make_unique<auth::SessionService>(s->stores.sessions, s->stores.users, sessions);

  auth::RateLimitConfig limits;
  limits.email_max_failures = config.rate_limit.email_failures;
  limits.email_window = config.rate_limit.email_window.count();
  limits.ip_max_failures = config.rate_limit.ip_failures;
  limits.ip_window = config.rate_limit.ip_window.count();
  s->limiter = std::make_unique<auth::RateLimiter>(s->stores.counters, limits);

  s->audit = std::make_unique<auth::AuditService>(s->stores.audit);
  s->auth = std::make_unique<auth::AuthService>(
      *s->users, *s->sessions, *s->limiter, *s->audit, s->clock,
      auth::AuthServiceConfig{.open_signup = config.auth.open_signup});
  return s;
}

}  // namespace tessera::app
