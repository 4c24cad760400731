#include "auth/audit.h"

#include <utility>

#include "auth/audit_log.h"
#include "auth/ip_prefix.h"
#include "auth/text.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

constexpr std::size_t kMaxUserAgentBytes = 512;

}  // namespace

std::string_view to_string(AuditType t) {
  switch (t) {
    case AuditType::kLoginSuccess:
      return "login.success";
    case AuditType::kLoginFailure:
      return "login.failure";
    case AuditType::kLogout:
      return "logout";
    case AuditType::kLogoutAll:
      return "logout.all";
    case AuditType::kSessionRevoked:
      return "session.revoked";
    case AuditType::kPasswordChanged:
      return "password.changed";
    case AuditType::kUserDisabled:
      return "user.disabled";
    case AuditType::kUserEnabled:
      return "user.enabled";
    case AuditType::kUserCreated:
      return "user.created";
    case AuditType::kSignup:
      return "signup";
    case AuditType::kDeviceNew:
      return "device.new";
    case AuditType::kRefreshReuse:
      return "refresh.reuse";
    case AuditType::kClientAdded:
      return "client.added";
    case AuditType::kClientRemoved:
      return "client.removed";
    case AuditType::kOAuthConsent:
      return "oauth.consent";
    case AuditType::kOAuthConsentRevoked:
      return "oauth.consent_revoked";
    case AuditType::kOAuthGrant:
      return "oauth.grant";
    case AuditType::kOAuthCodeReplay:
      return "oauth.code_replay";
    case AuditType::kStepUp:
      return "auth.step_up";
    case AuditType::kTotpEnabled:
      return "mfa.totp_enabled";
    case AuditType::kTotpRemoved:
      return "mfa.totp_removed";
    case AuditType::kRecoveryCodesIssued:
      return "mfa.recovery_codes";
    case AuditType::kRecoveryCodeUsed:
      return "mfa.recovery_code_used";
    case AuditType::kMfaFailure:
      return "mfa.failure";
    case AuditType::kClientSecretRotated:
      return "client.secret_rotated";
    case AuditType::kKeysRotated:
      return "keys.rotated";
    case AuditType::kPasskeyAdded:
      return "passkey.added";
    case AuditType::kPasskeyRemoved:
      return "passkey.removed";
    case AuditType::kPasskeyRefused:
      return "passkey.refused";
    case AuditType::kPasskeyCloneSuspected:
      return "passkey.clone_suspected";
    case AuditType::kPasswordResetRequested:
      return "password.reset_requested";
    case AuditType::kPasswordReset:
      return "password.reset";
    case AuditType::kEmailVerified:
      return "email.verified";
    case AuditType::kVerificationSent:
      return "email.verification_sent";
    case AuditType::kEmailChangeRequested:
      return "email.change_requested";
    case AuditType::kEmailChanged:
      return "email.changed";
    case AuditType::kUserDeleted:
      return "user.deleted";
    case AuditType::kRolesChanged:
      return "user.roles_changed";
    case AuditType::kOutboxRead:
      return "outbox.read";
    case AuditType::kOutboxPurged:
      return "outbox.purged";
    case AuditType::kFederationLinked:
      return "federation.linked";
    case AuditType::kFederationUnlinked:
      return "federation.unlinked";
    case AuditType::kFederationRefused:
      return "federation.refused";
  }
  return "unknown";
}

bool valid_audit_type(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

nlohmann::ordered_json audit_event_json(const store::AuditEvent& e) {
  using json = nlohmann::ordered_json;
  json detail = json::parse(e.detail, nullptr, /*allow_exceptions=*/false);
  if (detail.is_discarded()) detail = e.detail;  // stored text that is not JSON: shown as is
  return {{"id", e.id},
          {"at", e.at},
          {"type", e.type},
          {"user_id", e.user_id ? json(store::to_uuid(*e.user_id)) : json(nullptr)},
          {"ip", e.ip},
          {"user_agent", e.user_agent},
          {"detail", std::move(detail)}};
}

nlohmann::json audit_by(const AuditActor& actor) {
  return actor.user ? nlohmann::json(store::to_uuid(*actor.user)) : nlohmann::json("cli");
}

AuditService::AuditService(std::shared_ptr<store::AuditStore> store) : store_(std::move(store)) {}

std::expected<std::int64_t, Error> AuditService::record(AuditType type, std::int64_t now,
                                                        const AuditActor& actor,
                                                        const nlohmann::json& detail) {
  store::AuditEvent e;
  e.at = now;
  e.type = std::string(to_string(type));
  e.user_id = actor.user;
  e.ip = sanitize_truncate(actor.ip, 64);
  e.user_agent = sanitize_truncate(actor.user_agent, kMaxUserAgentBytes);
  // error_handler_t::replace: a stray invalid UTF-8 byte in a field never makes dump() throw.
  e.detail = detail.is_null()
                 ? "{}"
                 : detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  log_audit_event(type, actor, detail);
  auto id = store_->append(e);
  if (!id) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return std::unexpected(from_store(id.error()));
  }
  return *id;
}

std::string AuditService::device_fingerprint(std::string_view ip, std::string_view user_agent) {
  std::string material(user_agent.substr(0, kMaxUserAgentBytes));
  material += '\n';
  material += ip_prefix(ip, 24, 48);
  const auto digest = crypto::sha256(material);
  return base::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::expected<bool, Error> AuditService::note_device(const store::UserId& user, std::string_view ip,
                                                     std::string_view user_agent,
                                                     std::int64_t now) {
  const std::string fp = device_fingerprint(ip, user_agent);
  auto fresh = store_->remember_device(user, fp, now);
  if (!fresh) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return std::unexpected(from_store(fresh.error()));
  }
  if (*fresh) {
    (void)record(
        AuditType::kDeviceNew, now,
        AuditActor{.user = user, .ip = std::string(ip), .user_agent = std::string(user_agent)},
        {{"fingerprint", fp}});
  }
  return *fresh;
}

std::expected<AuditService::Purged, Error> AuditService::purge_older_than(std::int64_t before,
                                                                          std::size_t max_batches) {
  Purged out;
  for (std::size_t i = 0; i < max_batches; ++i) {
    auto n = store_->purge(before, kPurgeBatch);
    if (!n) return std::unexpected(from_store(n.error()));
    out.deleted += *n;
    out.more = *n == kPurgeBatch;
    if (!out.more) break;
  }
  return out;
}

std::expected<std::vector<store::AuditEvent>, Error> AuditService::query(
    const store::AuditQuery& q) {
  auto r = store_->query(q);
  if (!r) return std::unexpected(from_store(r.error()));
  return std::move(*r);
}

}  // namespace tessera::auth
