// [auth], [sessions] and [rate_limit]: accounts, password hashing, browser sessions and login
// throttling. Every key is a member below with its default and meaning; config_auth.cc binds and
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

  bool open_signup = false;  // POST /auth/signup creates accounts (else 403)
  // No sign-in until the user confirmed their email address (needs [email]); the refusal mails
  // a fresh link.
  bool require_verified_email = false;
  // Argon2id m, t, p; never weaker than OWASP's table (m=19 MiB, t=2 or an equivalent row); p is
  // 1 (libsodium is single-lane).
  std::uint32_t argon2_memory_kib = 19 * 1024;
  std::uint32_t argon2_iterations = 2;
  std::uint32_t argon2_parallelism = 1;
  std::size_t password_min_length = 8;  // code points; 8 .. 128
  // The least zxcvbn score (0..4) a new password needs: 2 refuses what an attacker guesses
  // within a million tries (common passwords, a word and a digit, the email's parts); 0: off.
  std::uint32_t password_min_score = 2;
  std::size_t hash_threads = 0;             // hashing worker pool; 0: one per core
  std::size_t hash_queue_per_thread = 256;  // queued hashes per worker before 503 (busy)
  // Sensitive actions (password change, logout everywhere, removing a factor, admin
  // endpoints) need an authentication at most this old (RFC 9470 max_age; 1 s .. 1 day).
  std::chrono::seconds step_up_max_age = std::chrono::minutes{10};
  // Users with any of these roles must enrol a second factor (TOTP or a passkey) before
  // anything else works: until they do, every endpoint but the enrolment ones answers 403
  // mfa_enrollment_required.
  std::vector<std::string> require_mfa_roles;
  // The issuer authenticator apps show beside a TOTP entry (otpauth:// URIs); 1..64
  // characters, no ':'.
  std::string totp_issuer = "Tessera";
  // How long an emailed password-reset link works (1 minute .. 1 day), and an email
  // verification link (1 minute .. 30 days).
  std::chrono::seconds reset_link_ttl = std::chrono::minutes{30};
  std::chrono::seconds verify_link_ttl = std::chrono::days{2};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

struct SessionsSection {
  static constexpr std::string_view kName = "sessions";

  std::chrono::seconds idle_timeout = std::chrono::hours{2};
  std::chrono::seconds absolute_lifetime = std::chrono::days{1};
  std::size_t max_sessions_per_user = 10;  // the oldest is evicted beyond this

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

// Failed logins and sign-ups counted per window; a count of 0 means no limit.
struct RateLimitSection {
  static constexpr std::string_view kName = "rate_limit";

  std::int64_t email_failures = 5;  // failed logins per email per window
  std::chrono::seconds email_window = std::chrono::minutes{15};
  std::int64_t ip_failures = 50;  // failed logins per client IP per window
  std::chrono::seconds ip_window = std::chrono::minutes{15};
  std::int64_t signup_ip = 20;  // sign-ups (each an Argon2id hash) per client IP per window
  std::chrono::seconds signup_window = std::chrono::hours{1};
  // Requests that send mail (password reset, verification resend): per address and per client
  // IP per window, known and unknown addresses counted alike.
  std::int64_t mail_email = 5;
  std::int64_t mail_ip = 30;
  std::chrono::seconds mail_window = std::chrono::hours{1};

  // The keys above, in this order; the first value they must not have (config_schema.h).
  std::vector<detail::Field> fields();
  std::optional<detail::Problem> check() const;
};

}  // namespace tessera::app
