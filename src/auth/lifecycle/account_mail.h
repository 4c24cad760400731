// The mails of the account lifecycle, each committed with the change or token it belongs to
// (store/account_token_store.h): a sign-up's verification link, a new verification link, a
// password-reset link, and the notices (someone tried to sign up with your address, your
// password was changed). Tokens are opaque (auth/opaque_token.h: 256 bits from the CSPRNG),
// stored as SHA-256 only; the link carries the token, the store never does.
//
// Mail off (email.smtp_url unset and not outbox_only): a sign-up creates the user alone, and
// every call that exists to send a mail is kNotConfigured (the flows say "email is not set up").
//
// Thread-safe. REQUIRES: every referenced object outlives this one.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/errors.h"
#include "auth/lifecycle/mailer.h"
#include "base/clock.h"
#include "store/account_token_store.h"
#include "store/user_store.h"

namespace tessera::auth {

struct AccountMailConfig {
  bool enabled = false;                     // email.enabled(): the flows that send mail are on
  std::int64_t reset_ttl = 30 * 60;         // auth.reset_link_ttl, seconds
  std::int64_t verify_ttl = 2 * 24 * 3600;  // auth.verify_link_ttl, seconds
};

// Where the links lead (pages served by api/web_pages.cc; GET shows, only the form's POST acts).
inline constexpr std::string_view kVerifyEmailPath = "/verify-email";
inline constexpr std::string_view kResetPasswordPath = "/reset-password";
inline constexpr std::string_view kAccountPagePath = "/account";
inline constexpr std::string_view kConfirmEmailChangePath = "/confirm-email-change";

// kNotConfigured saying that mail is off (what every flow that needs mail answers then).
Error mail_not_configured();

class AccountMail {
 public:
  // `queued` is called after every mail committed (the sender's wake-up); may be empty.
  AccountMail(store::UserStore& users, store::AccountTokenStore& tokens, store::OutboxStore& outbox,
              const Mailer& mailer, const base::Clock& clock, AccountMailConfig config,
              std::function<void()> queued);

  bool enabled() const { return config_.enabled; }

  // Commits a sign-up's `user` (UserService::prepare_user): with mail on, together with a
  // verification link mailed to them. kEmailTaken if the address has an account; with mail on
  // its owner is then told that someone tried to sign up with it (nothing else changes).
  // kUnavailable, kInternal.
  std::expected<void, Error> commit_signup(const store::User& user);

  // A new link of `purpose` mailed to the user's current address: a verification link
  // (kVerifyEmail) or a password-reset link (kResetPassword). kNotConfigured with mail off;
  // kUnavailable; kNotFound if the user is gone.
  std::expected<void, Error> send_link(const store::User& user, store::AccountTokenPurpose purpose);

  // The work of send_link (a token, a link, a rendered and sealed mail) with nothing stored or
  // sent: what an unknown address costs, so it costs what a known one does.
  std::expected<void, Error> rehearse_link(const store::User& user,
                                           store::AccountTokenPurpose purpose) const;

  // A new link of `purpose` (kVerifyEmail or kResetPassword) for `user`, stored WITHOUT a mail:
  // the link itself, for an administrator to hand over (`tessera user reset-password
  // --print-link`). Works with mail off. kUnavailable; kNotFound if the user is gone.
  std::expected<std::string, Error> issue_link(const store::User& user,
                                               store::AccountTokenPurpose purpose);

  // An email change: a link to `new_email` (normalized) that makes it the user's login address
  // when used, and a notice to the current address, together. kNotConfigured, kUnavailable.
  std::expected<void, Error> send_email_change(const store::User& user, std::string_view new_email);

  // Mails `user` the notice `kind` (a template under web/mail/) with `vars`, on its own: for a
  // notice that has no change to commit with (a sign-in from a new device, a sign-up attempt).
  // kNotConfigured with mail off; kUnavailable; kInternal (a template problem).
  std::expected<void, Error> notify(const store::User& user, std::string_view kind,
                                    const MailVars& vars);

  // The notice that `user`'s password was changed through a reset link, to commit with the
  // redemption (AccountTokenStore::redeem). Empty with mail off.
  std::expected<std::vector<store::OutgoingMail>, Error> password_changed_notice(
      const store::User& user);

  // Tells the sender that `n` mails were committed, and counts them.
  void queued(std::size_t n = 1) {
    queued_total_.fetch_add(n, std::memory_order_relaxed);
    if (queued_) queued_();
  }
  // Mails committed to the outbox by this process since start (metrics).
  std::uint64_t queued_total() const { return queued_total_.load(std::memory_order_relaxed); }

  // "30 minutes", "2 days", "1 hour": a lifetime in the words a mail uses.
  static std::string describe_lifetime(std::int64_t seconds);

 private:
  // A fresh token of `purpose` for `user` naming `address` (the user's address, or the new one
  // of an email change), its lifetime from the configuration, the link carrying it and the
  // template of its mail; the raw token exists only in the link.
  struct Link {
    store::AccountToken token;
    std::string url;
    std::string_view templ;
  };
  Link new_link(const store::User& user, store::AccountTokenPurpose purpose,
                std::string_view address, std::int64_t now) const;
  // new_link and the mail to `address` carrying it.
  struct LinkMail {
    store::AccountToken token;
    store::OutgoingMail mail;
  };
  std::expected<LinkMail, Error> link_mail(const store::User& user,
                                           store::AccountTokenPurpose purpose,
                                           std::string_view address, std::int64_t now) const;
  std::expected<store::OutgoingMail, Error> compose(std::string_view kind, const store::User& user,
                                                    const MailVars& vars, std::int64_t now) const;

  store::UserStore& users_;
  store::AccountTokenStore& tokens_;
  store::OutboxStore& outbox_;
  const Mailer& mailer_;
  const base::Clock& clock_;
  AccountMailConfig config_;
  std::function<void()> queued_;
  std::atomic<std::uint64_t> queued_total_{0};
};

}  // namespace tessera::auth
