#include "auth/lifecycle/account_lifecycle.h"

#include <memory>
#include <utility>

#include "auth/email.h"
#include "auth/opaque_token.h"

namespace tessera::auth {
namespace {

Error invalid_link(std::string_view words) {
  return make_error(Errc::kInvalidLink, std::string(words));
}

constexpr std::string_view kUnknownLink =
    "This link is not valid. Check that you opened the whole link from the email, or ask for a "
    "new one.";
constexpr std::string_view kUsedLink =
    "This link was already used. Ask for a new one if you need it.";
constexpr std::string_view kExpiredLink = "This link has expired. Ask for a new one.";

Error disabled_user() {
  return make_error(Errc::kForbidden,
                    "the user is disabled: a reset link would be refused (enable them first)");
}

}  // namespace

AccountLifecycle::AccountLifecycle(UserService& users, SessionService& sessions, AuthService& auth,
                                   AccountMail& mail, store::AccountTokenStore& tokens,
                                   RateLimiter& limiter, AuditService& audit, HashPool& background,
                                   const base::Clock& clock)
    : users_(users),
      sessions_(sessions),
      auth_(auth),
      mail_(mail),
      tokens_(tokens),
      limiter_(limiter),
      audit_(audit),
      background_(background),
      clock_(clock) {}

std::expected<void, Error> AccountLifecycle::forgot_password(std::string_view email,
                                                             const RequestContext& from) {
  auto normalized = normalize_email(email);
  if (!normalized) {
    return std::unexpected(make_error(Errc::kBadInput, std::string(describe(normalized.error()))));
  }
  if (!mail_.enabled()) {
    return std::unexpected(mail_not_configured());
  }
  if (auto counted = limiter_.count_mail_request(*normalized, from.ip, clock_.now_unix());
      !counted) {
    return std::unexpected(std::move(counted.error()));
  }
  // The look-up and the link happen on the background pool, for a known and an unknown address
  // alike, so the answer's timing says nothing about which it was. What fails there (a store
  // outage) is the user's to retry: the answer promised nothing.
  auto job = [this, email = std::move(*normalized), from] {
    auto user = users_.find_by_email(email);
    if (!user || user->disabled) {
      // The same composing work as for a known address (a link, a rendered and sealed mail),
      // thrown away: the worker's CPU use, which competes with the answer on a small machine,
      // then says nothing about which it was.
      store::User nobody{.email = email};
      (void)mail_.rehearse_link(nobody, store::AccountTokenPurpose::kResetPassword);
      return;
    }
    if (mail_.send_link(*user, store::AccountTokenPurpose::kResetPassword)) {
      (void)audit_.record(AuditType::kPasswordResetRequested, clock_.now_unix(),
                          actor_of(user->id, from), {});
    }
  };
  if (!background_.submit(std::move(job))) return std::unexpected(make_error(Errc::kBusy));
  return {};
}

Error AccountLifecycle::refused(store::Redeemed outcome) {
  switch (outcome) {
    case store::Redeemed::kUsed:
      return invalid_link(kUsedLink);
    case store::Redeemed::kExpired:
      return invalid_link(kExpiredLink);
    case store::Redeemed::kStale:
      return invalid_link(
          "This link was sent to an address that is no longer this account's. Ask for a new one "
          "from your account page.");
    case store::Redeemed::kEmailTaken:
      return invalid_link(
          "Another account uses this address now, so it cannot become yours. Choose another "
          "one.");
    case store::Redeemed::kApplied:
    case store::Redeemed::kUnknown:
      break;
  }
  return invalid_link(kUnknownLink);
}

std::expected<void, Error> AccountLifecycle::mail_reset_link(const store::User& user,
                                                             const AuditActor& actor) {
  if (user.disabled) return std::unexpected(disabled_user());
  auto sent = mail_.send_link(user, store::AccountTokenPurpose::kResetPassword);
  if (!sent) return sent;
  audit_reset_link(user, "mail", actor);
  return {};
}

std::expected<std::string, Error> AccountLifecycle::print_reset_link(const store::User& user,
                                                                     const AuditActor& actor) {
  if (user.disabled) return std::unexpected(disabled_user());
  auto link = mail_.issue_link(user, store::AccountTokenPurpose::kResetPassword);
  if (!link) return link;
  audit_reset_link(user, "printed", actor);
  return link;
}

void AccountLifecycle::audit_reset_link(const store::User& user, std::string_view delivery,
                                        const AuditActor& actor) {
  (void)audit_.record(
      AuditType::kPasswordResetRequested, clock_.now_unix(), actor,
      {{"user", store::to_uuid(user.id)}, {"delivery", delivery}, {"by", audit_by(actor)}});
}

std::expected<store::AccountToken, Error> AccountLifecycle::usable_token(
    std::string_view raw, store::AccountTokenPurpose purpose, std::int64_t now) {
  auto hash = hash_opaque_token(raw);
  if (!hash) return std::unexpected(invalid_link(kUnknownLink));
  auto token = tokens_.find(*hash);
  if (!token) {
    if (token.error() == store::StoreError::kNotFound) {
      return std::unexpected(invalid_link(kUnknownLink));
    }
    return std::unexpected(from_store(token.error()));
  }
  // The stored hash was found by equality on the key; no secret comparison is left to time.
  if (token->purpose != purpose) return std::unexpected(invalid_link(kUnknownLink));
  if (token->used_at != 0) return std::unexpected(invalid_link(kUsedLink));
  if (now >= token->expires_at) return std::unexpected(invalid_link(kExpiredLink));
  return std::move(*token);
}

void AccountLifecycle::reset_password(std::string token, std::string new_password,
                                      RequestContext from, Done<store::User> done) {
  // The link is checked before the (costly) hash, and again atomically when it is used.
  auto found = usable_token(token, store::AccountTokenPurpose::kResetPassword, clock_.now_unix());
  if (!found) return done(std::unexpected(std::move(found.error())));
  auto user = users_.find(found->user_id);
  if (!user) return done(std::unexpected(std::move(user.error())));
  if (user->disabled) return done(std::unexpected(invalid_link(kUnknownLink)));
  users_.hash_new_password(std::move(new_password), user->email,
                           [this, hash = found->hash, from = std::move(from),
                            done = std::move(done)](std::expected<std::string, Error> phc) {
                             if (!phc) return done(std::unexpected(std::move(phc.error())));
                             done(commit_reset(hash, *phc, from));
                           });
}

std::expected<store::User, Error> AccountLifecycle::commit_reset(const store::TokenHash& hash,
                                                                 const std::string& password_hash,
                                                                 const RequestContext& from) {
  const std::int64_t now = clock_.now_unix();
  auto token = tokens_.find(hash);
  if (!token) return std::unexpected(from_store(token.error()));
  auto user = users_.find(token->user_id);
  if (!user) return std::unexpected(std::move(user.error()));
  auto notice = mail_.password_changed_notice(*user);
  if (!notice) return std::unexpected(std::move(notice.error()));
  auto redeemed =
      tokens_.redeem(hash, store::AccountTokenPurpose::kResetPassword, password_hash, *notice, now);
  if (!redeemed) return std::unexpected(from_store(redeemed.error()));
  // kUsed here: another request used the link while the password was hashed.
  if (redeemed->outcome != store::Redeemed::kApplied) {
    return std::unexpected(refused(redeemed->outcome));
  }
  if (!notice->empty()) mail_.queued(notice->size());
  // The password changed: everything signed in with the old one ends.
  auto ended = auth_.end_all_credentials(user->id, "password_reset");
  if (!ended) return std::unexpected(std::move(ended.error()));
  (void)audit_.record(
      AuditType::kPasswordReset, now, actor_of(user->id, from),
      {{"sessions_revoked", ended->sessions}, {"families_revoked", ended->families}});
  auto fresh = users_.find(user->id);
  if (!fresh) return std::unexpected(std::move(fresh.error()));
  return std::move(*fresh);
}

std::expected<store::User, Error> AccountLifecycle::verify_email(std::string_view token,
                                                                 const RequestContext& from) {
  auto hash = hash_opaque_token(token);
  if (!hash) return std::unexpected(invalid_link(kUnknownLink));
  const std::int64_t now = clock_.now_unix();
  auto redeemed = tokens_.redeem(*hash, store::AccountTokenPurpose::kVerifyEmail, "", {}, now);
  if (!redeemed) return std::unexpected(from_store(redeemed.error()));
  if (redeemed->outcome != store::Redeemed::kApplied) {
    return std::unexpected(refused(redeemed->outcome));
  }
  // This node's cached sessions carry the user record: the next request reads it again (other
  // nodes' caches hold it at most a second).
  sessions_.forget_user(redeemed->token.user_id);
  auto user = users_.find(redeemed->token.user_id);
  if (!user) return std::unexpected(std::move(user.error()));
  (void)audit_.record(AuditType::kEmailVerified, now, actor_of(user->id, from),
                      {{"email", user->email}});
  return std::move(*user);
}

std::expected<void, Error> AccountLifecycle::resend_verification(const store::User& user,
                                                                 const RequestContext& from) {
  if (user.email_verified) return {};
  if (!mail_.enabled()) {
    return std::unexpected(mail_not_configured());
  }
  if (auto counted = limiter_.count_mail_request(user.email, from.ip, clock_.now_unix());
      !counted) {
    return std::unexpected(std::move(counted.error()));
  }
  if (auto sent = mail_.send_link(user, store::AccountTokenPurpose::kVerifyEmail); !sent) {
    return sent;
  }
  (void)audit_.record(AuditType::kVerificationSent, clock_.now_unix(), actor_of(user.id, from),
                      {{"email", user.email}});
  return {};
}

std::expected<void, Error> AccountLifecycle::request_email_change(const store::User& user,
                                                                  std::string_view new_email,
                                                                  const RequestContext& from) {
  auto normalized = normalize_email(new_email);
  if (!normalized) {
    return std::unexpected(make_error(Errc::kBadInput, std::string(describe(normalized.error()))));
  }
  if (*normalized == user.email) {
    return std::unexpected(make_error(Errc::kBadInput, "that is already your email address"));
  }
  if (!mail_.enabled()) return std::unexpected(mail_not_configured());
  if (auto counted = limiter_.count_mail_request(*normalized, from.ip, clock_.now_unix());
      !counted) {
    return std::unexpected(std::move(counted.error()));
  }
  auto owner = users_.find_by_email(*normalized);
  if (owner) return {};  // taken: nothing to send, and nothing said
  if (owner.error().code != Errc::kNotFound) return std::unexpected(std::move(owner.error()));
  if (auto sent = mail_.send_email_change(user, *normalized); !sent) return sent;
  (void)audit_.record(AuditType::kEmailChangeRequested, clock_.now_unix(), actor_of(user.id, from),
                      {{"new_email", *normalized}});
  return {};
}

std::expected<store::User, Error> AccountLifecycle::confirm_email_change(
    std::string_view token, const RequestContext& from) {
  auto hash = hash_opaque_token(token);
  if (!hash) return std::unexpected(invalid_link(kUnknownLink));
  const std::int64_t now = clock_.now_unix();
  auto redeemed = tokens_.redeem(*hash, store::AccountTokenPurpose::kChangeEmail, "", {}, now);
  if (!redeemed) return std::unexpected(from_store(redeemed.error()));
  if (redeemed->outcome != store::Redeemed::kApplied) {
    return std::unexpected(refused(redeemed->outcome));
  }
  sessions_.forget_user(redeemed->token.user_id);  // cached sessions carry the old address
  auto user = users_.find(redeemed->token.user_id);
  if (!user) return std::unexpected(std::move(user.error()));
  (void)audit_.record(AuditType::kEmailChanged, now, actor_of(user->id, from),
                      {{"email", user->email}});
  return std::move(*user);
}

}  // namespace tessera::auth
