// A user's second factors apart from passkeys (auth/passkeys.h): TOTP (RFC 6238) and recovery
// codes, and the mfa_token that carries a two-step login from its first step to its second
// (SPEC.md "Second factors and step-up"). The rules, each written once here:
//
//   - enrolment: enroll_totp() stores a PENDING secret (sealed under the master key with
//     crypto/aead.h; the store never sees it in clear); confirm_totp() turns it on once the user
//     proves a code from it, and hands out 10 recovery codes, shown once, stored as keyed hashes
//     (auth/mfa/recovery_codes.h);
//   - a code is accepted at most once: the matched time step goes through
//     CredentialStore::use_totp_step, atomic across nodes (RFC 6238 section 5.2); +-1 step of
//     drift; constant-time comparison (auth/mfa/totp.h);
//   - a recovery code works once (CredentialStore::use_recovery_code, atomic);
//   - an mfa_token is a signed ticket (auth/signed_ticket.h) naming the user and the first
//     factor, valid kMfaTokenTtl seconds, and used once: consume_mfa_token() records its nonce
//     with CounterStore::increment, so of two completions on any nodes one wins.
//
// What is NOT decided here: the login rate limit and lockout (AuthService counts a wrong code
// as a login failure; RateLimiter), and passkeys. A user "has a second factor" when TOTP is
// confirmed or a passkey is registered (FactorStatus::enrolled): then a password alone never
// completes a login.
//
// Thread-safe. REQUIRES: the stores, the audit service and the clock outlive this object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/auth_context.h"
#include "auth/errors.h"
#include "auth/signed_ticket.h"
#include "base/clock.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "store/counter_store.h"
#include "store/credential_store.h"
#include "store/types.h"

namespace tessera::auth {

// SPEC.md: the mfa_token lives 5 minutes.
inline constexpr std::int64_t kMfaTokenTtl = std::int64_t{5} * 60;

struct SecondFactorConfig {
  std::string issuer = "Tessera";  // the otpauth:// issuer authenticator apps show
  crypto::AeadKey totp_key{};      // seals TOTP secrets at rest
  std::string recovery_key;        // HMAC-SHA-256 key of the recovery-code hashes (32 bytes)
  std::string ticket_key;          // signs mfa_tokens (TicketSigner; shared by every node)
};

struct FactorStatus {
  bool totp = false;               // confirmed: in force
  bool totp_pending = false;       // enrolled, awaiting its first code
  std::size_t recovery_codes = 0;  // unused
  std::size_t passkeys = 0;

  // Whether a password alone must not complete a login.
  bool enrolled() const { return totp || passkeys > 0; }
  // The second-step methods this user can use ("totp", "recovery_code", "webauthn"), for the
  // mfa_required answer. Recovery codes count only while a factor is enrolled.
  std::vector<std::string> methods() const;
};

struct TotpEnrollment {
  std::string secret;       // base32, for typing into an app by hand
  std::string otpauth_uri;  // for the QR code
};

// What an mfa_token says: whose login it continues, and the factor that was proved.
struct MfaTicket {
  store::UserId user{};
  Amr first;          // the first step's methods (pwd)
  std::string nonce;  // the single-use key
};

// A second-step proof other than a passkey.
enum class CodeKind : std::uint8_t { kTotp, kRecoveryCode };

class SecondFactors {
 public:
  SecondFactors(std::shared_ptr<store::CredentialStore> credentials,
                std::shared_ptr<store::CounterStore> counters, AuditService& audit,
                const base::Clock& clock, SecondFactorConfig config);

  std::expected<FactorStatus, Error> status(const store::UserId& user);

  // POST /auth/mfa/totp/enroll: a new pending secret (replacing a pending one). kConflict if
  // TOTP is on already (remove it first).
  std::expected<TotpEnrollment, Error> enroll_totp(const store::User& user);

  // POST /auth/mfa/totp/confirm: if `code` matches the pending secret, TOTP is on and the user's
  // recovery codes are replaced by 10 new ones, returned (in display form) to be shown once.
  // kInvalidCode for a wrong code; kConflict if there is no pending secret (none, or on).
  std::expected<std::vector<std::string>, Error> confirm_totp(const store::User& user,
                                                              std::string_view code,
                                                              const AuditActor& actor);

  // DELETE /auth/mfa/totp: TOTP off; the recovery codes go too unless a passkey remains.
  // kNotFound if TOTP was neither on nor pending.
  std::expected<void, Error> remove_totp(const store::UserId& user, const AuditActor& actor);

  // POST /auth/mfa/recovery-codes: 10 new codes replace every old one. kConflict if the user
  // has no second factor (codes would protect nothing).
  std::expected<std::vector<std::string>, Error> regenerate_recovery_codes(
      const store::UserId& user, const AuditActor& actor);

  // The second step: whether `code` is a valid, unused TOTP code (of the confirmed secret) or
  // recovery code of `user`; if so it is used up now. Returns the method it proves (otp for
  // both: a recovery code is a one-time password too, RFC 8176 section 2). kInvalidCode
  // otherwise (wrong, replayed, malformed, or no such factor), audited as mfa.failure.
  std::expected<AuthMethodRef, Error> verify_code(const store::UserId& user, CodeKind kind,
                                                  std::string_view code, const AuditActor& actor);

  // A token for the second step of `user`'s login, whose first step proved `first`.
  std::string issue_mfa_token(const store::UserId& user, Amr first) const;
  // The ticket of a token issue_mfa_token made, unexpired and not yet consumed.
  // kInvalidMfaToken otherwise; kUnavailable if the counter store cannot tell.
  std::expected<MfaTicket, Error> open_mfa_token(std::string_view token) const;
  // Uses the token up. kInvalidMfaToken if it was used already (another request completed the
  // login first); kUnavailable (fail closed).
  std::expected<void, Error> consume_mfa_token(const MfaTicket& ticket) const;

  // Start-up: seals every plaintext secret left in the old users.totp_secret column
  // (CredentialStore::legacy_totp_secrets). Returns how many were sealed; a value that is not
  // base32 of a usable secret (128 bits or more) is left as it is and counted in `skipped`.
  struct LegacyReport {
    std::size_t sealed = 0;
    std::size_t skipped = 0;
  };
  std::expected<LegacyReport, Error> seal_legacy_secrets();

  const SecondFactorConfig& config() const { return config_; }

 private:
  std::expected<std::vector<std::string>, Error> issue_recovery_codes(const store::UserId& user);
  std::string seal_secret(const store::UserId& user, std::string_view secret) const;
  std::optional<std::string> open_secret(const store::UserId& user, std::string_view sealed) const;
  void audit_failure(const store::UserId& user, const AuditActor& actor, std::string_view method,
                     std::string_view reason);

  std::shared_ptr<store::CredentialStore> credentials_;
  std::shared_ptr<store::CounterStore> counters_;
  AuditService& audit_;
  const base::Clock& clock_;
  SecondFactorConfig config_;
  crypto::HmacKey recovery_mac_;
  TicketSigner tickets_;
};

}  // namespace tessera::auth
