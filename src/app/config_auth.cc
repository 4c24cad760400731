#include "app/config_auth.h"

#include <array>
#include <string>
#include <utility>

namespace tessera::app {

using detail::Field;
using detail::Problem;
using std::chrono::seconds;

std::vector<Field> AuthSection::fields() {
  return {
      {kName, "open_signup", &open_signup},
      {kName, "require_verified_email", &require_verified_email},
      {kName, "argon2_memory_kib", &argon2_memory_kib},
      {kName, "argon2_iterations", &argon2_iterations},
      {kName, "argon2_parallelism", &argon2_parallelism},
      {kName, "password_min_length", &password_min_length},
      {kName, "password_min_score", &password_min_score},
      {kName, "hash_threads", &hash_threads},
      {kName, "hash_queue_per_thread", &hash_queue_per_thread},
      {kName, "step_up_max_age", &step_up_max_age},
      {kName, "require_mfa_roles", &require_mfa_roles},
      {kName, "totp_issuer", &totp_issuer},
      {kName, "reset_link_ttl", &reset_link_ttl},
      {kName, "verify_link_ttl", &verify_link_ttl},
  };
}

std::optional<Problem> AuthSection::check() const {
  // OWASP Password Storage Cheat Sheet, Argon2id: equivalent (m KiB, t) rows, p = 1. The
  // configuration must be at least as strong as one row in both m and t.
  constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 5> kOwasp = {
      {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}}};
  bool strong_enough = false;
  for (auto [m, t] : kOwasp) {
    strong_enough = strong_enough || (argon2_memory_kib >= m && argon2_iterations >= t);
  }
  if (!strong_enough) {
    return Problem{"argon2_memory_kib",
                   "Argon2id m=" + std::to_string(argon2_memory_kib) +
                       " KiB, t=" + std::to_string(argon2_iterations) +
                       " is weaker than OWASP's minimum (m=19456, t=2, or an equivalent row)"};
  }
  if (argon2_memory_kib > 4u * 1024 * 1024) {
    return Problem{"argon2_memory_kib", "must be at most 4194304 (4 GiB)"};
  }
  if (argon2_iterations > 64) return Problem{"argon2_iterations", "must be at most 64"};
  if (argon2_parallelism != 1) {
    return Problem{"argon2_parallelism", "must be 1 (libsodium's Argon2id uses one lane)"};
  }
  if (password_min_length < 8 || password_min_length > 128) {
    return Problem{"password_min_length", "must be 8..128"};
  }
  if (password_min_score > 4)
    return Problem{"password_min_score", "must be 0..4 (zxcvbn's scores)"};
  if (hash_threads > 1024) return Problem{"hash_threads", "must be 0..1024"};
  if (hash_queue_per_thread < 1 || hash_queue_per_thread > 1'000'000) {
    return Problem{"hash_queue_per_thread", "must be 1..1000000"};
  }
  if (step_up_max_age < seconds{1} || step_up_max_age > std::chrono::days{1}) {
    return Problem{"step_up_max_age", "must be 1s..1d"};
  }
  for (const std::string& role : require_mfa_roles) {
    if (role.empty() || role.size() > 64) {
      return Problem{"require_mfa_roles", "role names are 1..64 characters"};
    }
  }
  // Authenticator apps split the otpauth label at its first ':' (auth/mfa/totp.h).
  if (totp_issuer.empty() || totp_issuer.size() > 64 ||
      totp_issuer.find(':') != std::string::npos) {
    return Problem{"totp_issuer", "must be 1..64 characters without ':'"};
  }
  if (reset_link_ttl < std::chrono::minutes{1} || reset_link_ttl > std::chrono::days{1}) {
    return Problem{"reset_link_ttl", "must be 1m..1d"};
  }
  if (verify_link_ttl < std::chrono::minutes{1} || verify_link_ttl > std::chrono::days{30}) {
    return Problem{"verify_link_ttl", "must be 1m..30d"};
  }
  return std::nullopt;
}

std::vector<Field> SessionsSection::fields() {
  return {
      {kName, "idle_timeout", &idle_timeout},
      {kName, "absolute_lifetime", &absolute_lifetime},
      {kName, "max_sessions_per_user", &max_sessions_per_user},
  };
}

std::optional<Problem> SessionsSection::check() const {
  if (idle_timeout < seconds(1)) return Problem{"idle_timeout", "must be at least 1s"};
  if (absolute_lifetime < seconds(1)) return Problem{"absolute_lifetime", "must be at least 1s"};
  if (max_sessions_per_user < 1 || max_sessions_per_user > 10'000) {
    return Problem{"max_sessions_per_user", "must be 1..10000"};
  }
  return std::nullopt;
}

std::vector<Field> RateLimitSection::fields() {
  return {
      {kName, "email_failures", &email_failures}, {kName, "email_window", &email_window},
      {kName, "ip_failures", &ip_failures},       {kName, "ip_window", &ip_window},
      {kName, "signup_ip", &signup_ip},           {kName, "signup_window", &signup_window},
      {kName, "mail_email", &mail_email},         {kName, "mail_ip", &mail_ip},
      {kName, "mail_window", &mail_window},
  };
}

std::optional<Problem> RateLimitSection::check() const {
  if (email_failures < 0) return Problem{"email_failures", "must not be negative (0: no limit)"};
  if (ip_failures < 0) return Problem{"ip_failures", "must not be negative (0: no limit)"};
  if (email_window < seconds(1)) return Problem{"email_window", "must be at least 1s"};
  if (ip_window < seconds(1)) return Problem{"ip_window", "must be at least 1s"};
  if (signup_ip < 0) return Problem{"signup_ip", "must not be negative (0: no limit)"};
  if (signup_window < seconds(1)) return Problem{"signup_window", "must be at least 1s"};
  if (mail_email < 0) return Problem{"mail_email", "must not be negative (0: no limit)"};
  if (mail_ip < 0) return Problem{"mail_ip", "must not be negative (0: no limit)"};
  if (mail_window < seconds(1)) return Problem{"mail_window", "must be at least 1s"};
  return std::nullopt;
}

}  // namespace tessera::app
