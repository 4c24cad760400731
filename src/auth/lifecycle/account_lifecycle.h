// The ways back into an account and the proof of an address (SPEC.md "HTTP API": forgot,
// reset, verify, resend), on AccountMail's links and AccountTokenStore's single-use tokens.
//
// What a client must not be able to tell apart:
//   - forgot_password: a known and an unknown address. Both are counted against the same mail
//     limits (RateLimiter::count_mail_request) before anything is looked up, and both answer as
//     soon as the look-up and the link are handed to a worker pool: the answer waits for the
//     same work (the count and one queue submission) whichever it is. A disabled account gets
//     no link, silently.
// Links: opening one (GET, a page) never changes anything - mail scanners open links; only
// these POSTs do. A reset refused by the password policy leaves its token usable; after a reset
// every older reset link is dead, every session, refresh family and access token of the user
// is revoked, and a "your password was changed" notice is mailed with the change.
//
// Async methods follow UserService's convention (auth/users.h). Thread-safe. REQUIRES: every
// referenced service outlives this object and the hash pool's queued jobs.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "auth/audit.h"
#include "auth/auth_service.h"
#include "auth/errors.h"
#include "auth/hash_pool.h"
#include "auth/lifecycle/account_mail.h"
#include "auth/rate_limiter.h"
#include "auth/sessions.h"
#include "auth/users.h"
#include "base/clock.h"
#include "store/account_token_store.h"

namespace tessera::auth {

class AccountLifecycle {
 public:
  // `background` runs forgot_password's look-up and link: a store-bound pool (the app's store
  // pool), never the password-hashing one, which a flood of requests must not fill.
  AccountLifecycle(UserService& users, SessionService& sessions, AuthService& auth,
                   AccountMail& mail, store::AccountTokenStore& tokens, RateLimiter& limiter,
                   AuditService& audit, HashPool& background, const base::Clock& clock);

  // POST /auth/password/forgot. Success for a known and an unknown address alike (see above).
  // kBadInput (not an address), kNotConfigured (mail off), kRateLimited (+retry_after),
  // kUnavailable (the counters), kBusy (the pool is full).
  std::expected<void, Error> forgot_password(std::string_view email, const RequestContext& from);

  // POST /auth/password/reset: the link's token and the new password. kInvalidLink (unknown,
  // used, expired, or its user disabled; detail says which in plain words), kWeakPassword /
  // kBadInput (the token stays usable), kBusy, kUnavailable. The result: the user as now stored.
  void reset_password(std::string token, std::string new_password, RequestContext from,
                      Done<store::User> done);

  // POST /auth/email/verify: the link's token. kInvalidLink (also: the address changed since
  // the link was sent), kUnavailable. The result: the user, email_verified.
  std::expected<store::User, Error> verify_email(std::string_view token,
                                                 const RequestContext& from);

  // POST /auth/email/resend, for the signed-in `user`: a new verification link. Nothing is sent
  // for an address verified already (success all the same). kNotConfigured, kRateLimited,
  // kUnavailable.
  std::expected<void, Error> resend_verification(const store::User& user,
                                                 const RequestContext& from);

  // `tessera user reset-password`: a password-reset link for `user` on an administrator's word
  // (`actor`; no rate limit), as forgot_password would make it. mail_reset_link mails it to the
  // user's address (kNotConfigured with mail off); print_reset_link stores it with no mail and
  // returns it for the administrator to hand over (mail need not be set up). Either way earlier
  // reset links stay usable until one is used. kForbidden for a disabled user (their links are
  // refused), kNotFound, kUnavailable. Audited as password.reset_requested {user, delivery:
  // "mail" | "printed", by}.
  std::expected<void, Error> mail_reset_link(const store::User& user, const AuditActor& actor);
  std::expected<std::string, Error> print_reset_link(const store::User& user,
                                                     const AuditActor& actor);

  // POST /auth/email/change {new_email}, for the signed-in `user` (recent authentication is the
  // api's check): a link to the new address and a notice to the current one; the login address
  // changes only when the link is used. An address another account has gets no link, and the
  // answer is the same (no probing for accounts). kBadInput (not an address, or the current
  // one), kNotConfigured, kRateLimited, kUnavailable.
  std::expected<void, Error> request_email_change(const store::User& user,
                                                  std::string_view new_email,
                                                  const RequestContext& from);

  // POST /auth/email/change/confirm {token}: the new address becomes the login address,
  // verified. kInvalidLink (also: another account took the address meanwhile). The user as
  // now stored.
  std::expected<store::User, Error> confirm_email_change(std::string_view token,
                                                         const RequestContext& from);

 private:
  // Records an administrator's reset link for `user`, delivered as `delivery` says.
  void audit_reset_link(const store::User& user, std::string_view delivery,
                        const AuditActor& actor);
  // Maps a redemption that did not apply to kInvalidLink with words for the page.
  static Error refused(store::Redeemed outcome);

  // The stored token of `purpose` that `raw` names, unused and unexpired at `now`, else
  // kInvalidLink with words for the page.
  std::expected<store::AccountToken, Error> usable_token(std::string_view raw,
                                                         store::AccountTokenPurpose purpose,
                                                         std::int64_t now);
  // Completes a reset once the new password is hashed.
  std::expected<store::User, Error> commit_reset(const store::TokenHash& hash,
                                                 const std::string& password_hash,
                                                 const RequestContext& from);

  UserService& users_;
  SessionService& sessions_;
  AuthService& auth_;
  AccountMail& mail_;
  store::AccountTokenStore& tokens_;
  RateLimiter& limiter_;
  AuditService& audit_;
  HashPool& background_;
  const base::Clock& clock_;
};

}  // namespace tessera::auth
