#include "cli/admin_services.h"

#include "app/data_dir.h"

namespace tessera::cli {

std::expected<std::unique_ptr<app::Services>, std::string> open_admin_services(
    const ConfigFlags& flags) {
  auto config = flags.load();
  if (!config) return std::unexpected(config.error());
  if (config->store.backend == "memory") {
    return std::unexpected(
        "store.backend is \"memory\": nothing to administer (use the sqlite store)");
  }
  if (auto dir = app::ensure_data_dir(config->store.data_dir); !dir) {
    return std::unexpected(dir.error());
  }
  // One hashing worker: `user add` hashes on its own thread; the pool only exists because the
  // user service keeps one.
  return app::open_services(*config, {.hash_threads = 1, .on_store_error = nullptr});
}

std::expected<store::User, std::string> find_user(app::Services& s, const std::string& who) {
  auto user =
      store::parse_uuid(who) ? s.users->find(*store::parse_uuid(who)) : s.users->find_by_email(who);
  if (!user) {
    if (user.error().code == auth::Errc::kNotFound) return std::unexpected("no such user: " + who);
    return std::unexpected(who + ": " + auth::describe(user.error()));
  }
  return std::move(*user);
}

std::string reason(const auth::Error& e) {
  return e.detail.empty() ? std::string(auth::describe(e.code)) : e.detail;
}

}  // namespace tessera::cli
