// [store] and [cache]: where the data lives. Every key is a member below with its default;
// config_stores.cc binds each to its name and its doc (what it means, printed by `tessera config
// reference` into docs/configuration.md) and checks them.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct StoreSection {
  static constexpr std::string_view kName = "store";
  static constexpr std::string_view kDoc =
      "Where the data lives: the embedded SQLite file, memory, or PostgreSQL.";

  std::string backend = "sqlite";
  std::string data_dir = "./tessera-data";
  std::string postgres_dsn;
  std::size_t postgres_pool = 16;
  std::chrono::seconds network_timeout{2};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct CacheSection {
  static constexpr std::string_view kName = "cache";
  static constexpr std::string_view kDoc =
      "An optional Redis for what is hot and expiring, shared by every node.";

  std::string backend;
  std::string redis_url;
  std::string redis_prefix = "tessera:";
  std::size_t redis_pool = 16;

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
