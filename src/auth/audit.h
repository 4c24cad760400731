// Audit events (SPEC.md "HTTP API": login success/failure, revocations, admin actions, new
// device) written to the AuditStore, plus new-device detection.
//
// Details are JSON objects built here from named fields; they never carry passwords, session
// ids, CSRF tokens or any other credential. Recording is best effort for the caller's flow: a
// failed append is counted (failures(), for /metrics) and returned, and the services do not
// fail a login or logout because the audit log could not be written.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/errors.h"
#include "store/audit_store.h"

namespace tessera::auth {

enum class AuditType : std::uint8_t {
  kLoginSuccess,         // "login.success"
  kLoginFailure,         // "login.failure"    detail: reason, email (when the user is unknown)
  kLogout,               // "logout"
  kLogoutAll,            // "logout.all"       detail: sessions
  kSessionRevoked,       // "session.revoked"  detail: session (public id), by
  kPasswordChanged,      // "password.changed" detail: sessions_revoked
  kUserDisabled,         // "user.disabled"    detail: sessions_revoked
  kUserEnabled,          // "user.enabled"
  kUserCreated,          // "user.created"     detail: email, roles (CLI / admin)
  kSignup,               // "signup"           detail: email, outcome ("created" | "email_taken")
  kDeviceNew,            // "device.new"       detail: fingerprint
  kRefreshReuse,         // "refresh.reuse"    detail: family (sid), reason; the family was revoked
  kKeysRotated,          // "keys.rotated"     detail: emergency, active (kid)
  kClientAdded,          // "client.added"     detail: client_id, name, type, grant_types
  kClientRemoved,        // "client.removed"   detail: client_id
  kClientSecretRotated,  // "client.secret_rotated" detail: client_id
  kOAuthConsent,         // "oauth.consent"    detail: client_id, scope (what the user allowed)
  kOAuthConsentRevoked,  // "oauth.consent_revoked" detail: client_id, families_revoked
  kOAuthGrant,           // "oauth.grant"      detail: client_id, grant_type, scope, family
  kOAuthCodeReplay,      // "oauth.code_replay" detail: client_id, family (revoked)
  kStepUp,               // "auth.step_up"     detail: amr, session (public id) or family (sid)
  kTotpEnabled,          // "mfa.totp_enabled" detail: recovery_codes (how many were issued)
  kTotpRemoved,          // "mfa.totp_removed" detail: recovery_codes_removed
  kRecoveryCodesIssued,  // "mfa.recovery_codes" detail: count (regenerated; the old ones died)
  kRecoveryCodeUsed,     // "mfa.recovery_code_used" detail: remaining
  kMfaFailure,           // "mfa.failure"      detail: method, reason (the second step of a login
                         //                    or a step-up: a wrong, replayed or unknown code)
  kPasskeyAdded,         // "passkey.added"    detail: passkey (id), name, backup_eligible
  kPasskeyRemoved,       // "passkey.removed"  detail: passkey (id), name
  kPasskeyRefused,       // "passkey.refused"  detail: reason, ceremony, passkey (id, when known)
  kPasskeyCloneSuspected,   // "passkey.clone_suspected" detail: passkey (id), stored_count,
                            // presented_count: the signature counter did not increase (W3C
                            // WebAuthn Level 3 section 7.2 step 22); the assertion was refused
  kPasswordResetRequested,  // "password.reset_requested" a reset link was mailed (known users
                            //                    only; unknown addresses leave no trace), or
                            //                    issued by an administrator: detail user,
                            //                    delivery ("mail" | "printed"), by
  kPasswordReset,           // "password.reset"   detail: sessions_revoked (the link was used)
  kEmailVerified,           // "email.verified"   detail: email
  kVerificationSent,        // "email.verification_sent" detail: email (resend)
  kEmailChangeRequested,    // "email.change_requested" detail: new_email (a link was sent there)
  kEmailChanged,            // "email.changed"    detail: email (the new one; the link was used)
  kUserDeleted,             // "user.deleted"     detail: user, sessions_revoked, families_revoked,
                            //                    by (never the email: it is gone with the user)
  kRolesChanged,            // "user.roles_changed" detail: user, roles, previous, by
  kOutboxRead,              // "outbox.read"      detail: mail (id), kind, by: a pending
                            //                    mail's message (live links) was opened
  kOutboxPurged,            // "outbox.purged"    detail: purged, before (Unix seconds), by
  kFederationLinked,        // "federation.linked" detail: issuer, provider, created (a new user)
  kFederationUnlinked,      // "federation.unlinked" detail: issuer, provider
  kFederationRefused,       // "federation.refused" detail: provider, reason (a callback refused)
};

// The stored type string ("login.success").
std::string_view to_string(AuditType t);

// Whether `name` is spelled like an event type ([a-z0-9._-], 1 to 64 characters): what a
// query by type accepts (GET /admin/audit, `tessera audit --type`).
bool valid_audit_type(std::string_view name);

// One stored event as GET /admin/audit and `tessera audit --json` show it: id, at, type,
// user_id (UUID or null), ip, user_agent, detail (the stored JSON object; stored text that is
// not JSON is shown as a string).
nlohmann::ordered_json audit_event_json(const store::AuditEvent& e);

// Who and where: the request's user (if known), client IP and user agent.
struct AuditActor {
  std::optional<store::UserId> user;
  std::string ip;
  std::string user_agent;
  // The request's id for the event's log line (auth/audit_log.h); "" takes the thread's
  // (base/log_context.h). Not stored.
  std::string request_id;
};

// The "by" of an administrative event's detail: the acting user's id, or "cli" for the CLI
// (an actor with no user).
nlohmann::json audit_by(const AuditActor& actor);

class AuditService {
 public:
  explicit AuditService(std::shared_ptr<store::AuditStore> store);

  // Appends one event at `now`; `detail` must be a JSON object (or null for {}), and writes
  // its log line (auth/audit_log.h), stored or not. Returns the event id.
  std::expected<std::int64_t, Error> record(AuditType type, std::int64_t now,
                                            const AuditActor& actor,
                                            const nlohmann::json& detail = nullptr);

  // Remembers the device (user agent + IP prefix) the user just logged in from; if the user
  // never used it before, also records "device.new". Returns whether it was new. A user's very
  // first device is new too (the api may choose not to notify about it).
  std::expected<bool, Error> note_device(const store::UserId& user, std::string_view ip,
                                         std::string_view user_agent, std::int64_t now);

  // base64url(SHA-256(user_agent "\n" ip_prefix)), with the /24 (IPv4) or /48 (IPv6) prefix.
  static std::string device_fingerprint(std::string_view ip, std::string_view user_agent);

  // Newest first (GET /admin/audit).
  std::expected<std::vector<store::AuditEvent>, Error> query(const store::AuditQuery& q);

  // Retention (audit.retention): deletes events older than `before` (Unix seconds), at most
  // `max_batches` batches of kPurgeBatch, so that neither one transaction nor one call holds
  // the store (or the caller's thread) for long; `more` says that the last batch was full and
  // the caller should come back soon. Stops at the first store error (what was deleted stays
  // deleted).
  static constexpr std::size_t kPurgeBatch = 5000;
  struct Purged {
    std::size_t deleted = 0;
    bool more = false;
  };
  std::expected<Purged, Error> purge_older_than(std::int64_t before, std::size_t max_batches);

  // Appends that failed since start.
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<store::AuditStore> store_;
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace tessera::auth
