// [auth], [sessions] and [rate_limit]: accounts, password hashing, browser sessions and login
// throttling. Every key is a member below with its default; config_auth.cc binds each to its name
// and its doc (what it means, printed by `tessera config reference` into docs/configuration.md) and
// checks them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_schema.h"

namespace tessera::app {

struct AuthSection {
  static constexpr std::string_view kName = "auth";
  static constexpr std::string_view kDoc =
      "Accounts: sign-up, password hashing and policy, step-up, second factors and emailed links.";

  bool open_signup = false;
  bool require_verified_email = false;
  std::uint32_t argon2_memory_kib = 19 * 1024;
  std::uint32_t argon2_iterations = 2;
  std::uint32_t argon2_parallelism = 1;
  std::size_t password_min_length = 8;
  std::uint32_t password_min_score = 2;
  std::size_t hash_threads = 0;
  std::size_t hash_queue_per_thread = 256;
  std::chrono::seconds step_up_max_age = std::chrono::minutes{10};
  std::vector<std::string> require_mfa_roles;
  std::string totp_issuer = "Tessera";
  std::chrono::seconds reset_link_ttl = std::chrono::minutes{30};
  std::chrono::seconds verify_link_ttl = std::chrono::days{2};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct SessionsSection {
  static constexpr std::string_view kName = "sessions";
  static constexpr std::string_view kDoc = "Browser sessions (`web.mode = \"session\"`).";

  std::chrono::seconds idle_timeout = std::chrono::hours{2};
  std::chrono::seconds absolute_lifetime = std::chrono::days{1};
  std::size_t max_sessions_per_user = 10;

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct RateLimitSection {
  static constexpr std::string_view kName = "rate_limit";
  static constexpr std::string_view kDoc =
      "Throttling of failed logins, sign-ups and requests that send mail, counted per window; a "
      "count of 0 means no limit.";

  std::int64_t email_failures = 5;
  std::chrono::seconds email_window = std::chrono::minutes{15};
  std::int64_t ip_failures = 50;
  std::chrono::seconds ip_window = std::chrono::minutes{15};
  std::int64_t signup_ip = 20;
  std::chrono::seconds signup_window = std::chrono::hours{1};
  std::int64_t mail_email = 5;
  std::int64_t mail_ip = 30;
  std::chrono::seconds mail_window = std::chrono::hours{1};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
