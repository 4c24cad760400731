#include "auth/lifecycle/account_mail.h"

#include <utility>
#include <vector>

#include "auth/opaque_token.h"

namespace tessera::auth {
namespace {}  // namespace

Error mail_not_configured() {
  return make_error(Errc::kNotConfigured,
                    "email is not set up on this server (email.smtp_url), so no link can be sent");
}

namespace {}  // namespace

AccountMail::AccountMail(store::UserStore& users, store::AccountTokenStore& tokens,
                         store::OutboxStore& outbox, const Mailer& mailer, const base::Clock& clock,
                         AccountMailConfig config, std::function<void()> queued)
    : users_(users),
      tokens_(tokens),
      outbox_(outbox),
      mailer_(mailer),
      clock_(clock),
      config_(config),
      queued_(std::move(queued)) {}

std::string AccountMail::describe_lifetime(std::int64_t seconds) {
  auto words = [](std::int64_t n, std::string_view unit) {
    return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
  };
  if (seconds % 86400 == 0) return words(seconds / 86400, "day");
  if (seconds % 3600 == 0) return words(seconds / 3600, "hour");
  return words((seconds + 59) / 60, "minute");
}

AccountMail::Link AccountMail::new_link(const store::User& user, store::AccountTokenPurpose purpose,
                                        std::string_view address, std::int64_t now) const {
  // Per purpose: the template, the page the link opens, the lifetime.
  struct Kind {
    std::string_view templ;
    std::string_view path;
    std::int64_t ttl;
  };
  const Kind kind = [&]() -> Kind {
    switch (purpose) {
      case store::AccountTokenPurpose::kResetPassword:
        return {"reset_password", kResetPasswordPath, config_.reset_ttl};
      case store::AccountTokenPurpose::kChangeEmail:
        return {"change_email", kConfirmEmailChangePath, config_.verify_ttl};
      case store::AccountTokenPurpose::kVerifyEmail:
        break;
    }
    return {"verify_email", kVerifyEmailPath, config_.verify_ttl};
  }();
  const std::string raw = new_opaque_token();
  return Link{.token = {.hash = *hash_opaque_token(raw),
                        .user_id = user.id,
                        .purpose = purpose,
                        .email = std::string(address),
                        .created_at = now,
                        .expires_at = now + kind.ttl},
              .url = mailer_.link(kind.path, raw),
              .templ = kind.templ};
}

std::expected<AccountMail::LinkMail, Error> AccountMail::link_mail(
    const store::User& user, store::AccountTokenPurpose purpose, std::string_view address,
    std::int64_t now) const {
  Link link = new_link(user, purpose, address, now);
  MailVars vars = {{"link", std::move(link.url)},
                   {"expires", describe_lifetime(link.token.expires_at - link.token.created_at)},
                   {"email", std::string(address)}};
  auto mail = mailer_.compose(link.templ, address, user.id, vars, now);
  if (!mail) return std::unexpected(std::move(mail.error()));
  return LinkMail{.token = link.token, .mail = std::move(*mail)};
}

std::expected<void, Error> AccountMail::send_link(const store::User& user,
                                                  store::AccountTokenPurpose purpose) {
  if (!config_.enabled) return std::unexpected(mail_not_configured());
  const std::int64_t now = clock_.now_unix();
  auto link = link_mail(user, purpose, user.email, now);
  if (!link) return std::unexpected(std::move(link.error()));
  if (auto issued = tokens_.issue(link->token, {&link->mail, 1}, now); !issued) {
    return std::unexpected(from_store(issued.error()));
  }
  queued();
  return {};
}

std::expected<void, Error> AccountMail::rehearse_link(const store::User& user,
                                                      store::AccountTokenPurpose purpose) const {
  auto link = link_mail(user, purpose, user.email, clock_.now_unix());
  if (!link) return std::unexpected(std::move(link.error()));
  return {};
}

std::expected<std::string, Error> AccountMail::issue_link(const store::User& user,
                                                          store::AccountTokenPurpose purpose) {
  const std::int64_t now = clock_.now_unix();
  Link link = new_link(user, purpose, user.email, now);
  if (auto issued = tokens_.issue(link.token, {}, now); !issued) {
    return std::unexpected(from_store(issued.error()));
  }
  return std::move(link.url);
}

std::expected<store::OutgoingMail, Error> AccountMail::compose(std::string_view kind,
                                                               const store::User& user,
                                                               const MailVars& vars,
                                                               std::int64_t now) const {
  MailVars all = vars;
  all.emplace("email", user.email);
  return mailer_.compose(kind, user.email, user.id, all, now);
}

std::expected<void, Error> AccountMail::commit_signup(const store::User& user) {
  const std::int64_t now = clock_.now_unix();
  if (!config_.enabled) {
    if (auto created = users_.create(user); !created) {
      return std::unexpected(created.error() == store::StoreError::kConflict
                                 ? make_error(Errc::kEmailTaken)
                                 : from_store(created.error()));
    }
    return {};
  }
  auto link = link_mail(user, store::AccountTokenPurpose::kVerifyEmail, user.email, now);
  if (!link) return std::unexpected(std::move(link.error()));
  auto created = tokens_.create_user(user, link->token, {&link->mail, 1}, now);
  if (created) {
    queued();
    return {};
  }
  if (created.error() != store::StoreError::kConflict) {
    return std::unexpected(from_store(created.error()));
  }
  // The address has an account (the id is 122 random bits: the conflict is the email). Its
  // owner learns that someone tried; the caller answers as if the account were created.
  if (auto owner = users_.find_by_email(user.email)) {
    (void)notify(*owner, "signup_attempt",
                 {{"login", mailer_.link("/login")}, {"reset", mailer_.link("/forgot-password")}});
  }
  return std::unexpected(make_error(Errc::kEmailTaken));
}

std::expected<void, Error> AccountMail::notify(const store::User& user, std::string_view kind,
                                               const MailVars& vars) {
  if (!config_.enabled) return std::unexpected(mail_not_configured());
  const std::int64_t now = clock_.now_unix();
  auto notice = compose(kind, user, vars, now);
  if (!notice) return std::unexpected(std::move(notice.error()));
  if (auto queued_ok = outbox_.enqueue({&*notice, 1}, now); !queued_ok) {
    return std::unexpected(from_store(queued_ok.error()));
  }
  queued();
  return {};
}

std::expected<void, Error> AccountMail::send_email_change(const store::User& user,
                                                          std::string_view new_email) {
  if (!config_.enabled) return std::unexpected(mail_not_configured());
  const std::int64_t now = clock_.now_unix();
  auto link = link_mail(user, store::AccountTokenPurpose::kChangeEmail, new_email, now);
  if (!link) return std::unexpected(std::move(link.error()));
  auto notice = compose(
      "email_change_requested", user,
      {{"new_email", std::string(new_email)}, {"reset", mailer_.link("/forgot-password")}}, now);
  if (!notice) return std::unexpected(std::move(notice.error()));
  const store::OutgoingMail mails[] = {std::move(link->mail), std::move(*notice)};
  if (auto issued = tokens_.issue(link->token, mails, now); !issued) {
    return std::unexpected(from_store(issued.error()));
  }
  queued(std::size(mails));
  return {};
}

std::expected<std::vector<store::OutgoingMail>, Error> AccountMail::password_changed_notice(
    const store::User& user) {
  std::vector<store::OutgoingMail> out;
  if (!config_.enabled) return out;
  auto mail = compose("password_changed", user, {{"reset", mailer_.link("/forgot-password")}},
                      clock_.now_unix());
  if (!mail) return std::unexpected(std::move(mail.error()));
  out.push_back(std::move(*mail));
  return out;
}

}  // namespace tessera::auth
