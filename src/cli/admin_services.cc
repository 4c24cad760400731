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

}  // namespace tessera::cli
