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
      {kName, "open_signup", &open_signup,
       "Whether `POST /auth/signup` creates accounts; `false`: it answers 403, and accounts are "
       "added with `tessera user add`."},
      {kName, "require_verified_email", &require_verified_email,
       "No sign-in until the user has confirmed their email address; the refusal mails a fresh "
       "link. Needs mail (`email.smtp_url` or `email.outbox_only`)."},
      {kName, "argon2_memory_kib", &argon2_memory_kib,
       "Argon2id memory per password hash, in KiB. With `argon2_iterations` never weaker than "
       "OWASP's minimum (m=19456, t=2, or an equivalent row such as m=47104, t=1); at most "
       "4194304."},
      {kName, "argon2_iterations", &argon2_iterations,
       "Argon2id passes (t); at most 64, and with `argon2_memory_kib` at least OWASP's minimum."},
      {kName, "argon2_parallelism", &argon2_parallelism,
       "Argon2id lanes (p); must be 1 (libsodium's Argon2id uses one lane)."},
      {kName, "password_min_length", &password_min_length,
       "The shortest password accepted, in Unicode code points. 8..128."},
      {kName, "password_min_score", &password_min_score,
       "The least zxcvbn score (0..4) a new password needs: 2 refuses what an attacker guesses "
       "within a million tries (common passwords, a word and a digit, the email's parts); 0: off."},
      {kName, "hash_threads", &hash_threads,
       "Password-hashing worker threads; 0: one per core. At most 1024."},
      {kName, "hash_queue_per_thread", &hash_queue_per_thread,
       "Hashes queued per worker before further requests are refused with 503 (busy). 1..1000000."},
      {kName, "step_up_max_age", &step_up_max_age,
       "How recent a sign-in sensitive actions need (password change, logout everywhere, removing "
       "a factor, `/admin` endpoints; RFC 9470 max_age): an older one gets 401 "
       "`insufficient_user_authentication`. 1s..1d."},
      {kName, "require_mfa_roles", &require_mfa_roles,
       "Roles whose users must enrol a second factor (TOTP or a passkey) first: until they do, "
       "every endpoint but the enrolment ones answers 403 `mfa_enrollment_required`. Role names "
       "are 1..64 characters."},
      {kName, "totp_issuer", &totp_issuer,
       "The issuer authenticator apps show beside a TOTP entry (in the `otpauth://` URI). 1..64 "
       "characters, no `:`."},
      {kName, "reset_link_ttl", &reset_link_ttl,
       "How long an emailed password-reset link works. 1m..1d."},
      {kName, "verify_link_ttl", &verify_link_ttl,
       "How long an emailed address-verification link works. 1m..30d."},
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
      {kName, "idle_timeout", &idle_timeout,
       "A session ends when unused for this long. At least 1s."},
      {kName, "absolute_lifetime", &absolute_lifetime,
       "A session ends this long after the sign-in that began it, however active. At least 1s."},
      {kName, "max_sessions_per_user", &max_sessions_per_user,
       "Sessions one user may hold at once; a sign-in beyond it evicts the oldest. 1..10000."},
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
      {kName, "email_failures", &email_failures,
       "Failed logins per email address per `email_window`; beyond it, logins to that address are "
       "refused until the window passes."},
      {kName, "email_window", &email_window, "The window of `email_failures`. At least 1s."},
      {kName, "ip_failures", &ip_failures, "Failed logins per client IP address per `ip_window`."},
      {kName, "ip_window", &ip_window, "The window of `ip_failures`. At least 1s."},
      {kName, "signup_ip", &signup_ip,
       "Sign-ups (each an Argon2id hash) per client IP address per `signup_window`."},
      {kName, "signup_window", &signup_window, "The window of `signup_ip`. At least 1s."},
      {kName, "mail_email", &mail_email,
       "Requests that send mail (password reset, verification resend) per address per "
       "`mail_window`, known and unknown addresses counted alike."},
      {kName, "mail_ip", &mail_ip,
       "Requests that send mail per client IP address per `mail_window`."},
      {kName, "mail_window", &mail_window,
       "The window of `mail_email` and `mail_ip`. At least 1s."},
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
