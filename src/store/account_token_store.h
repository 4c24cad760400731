// The one-time tokens of the account lifecycle (SPEC.md "HTTP API": email verification,
// password reset, email change), and the changes they make, each committed in ONE transaction
// with the mails that go with it (store/outbox_store.h): a link is never mailed for a token that
// was not stored, and a change never commits without its notice.
// Implementations: memory/, sqlite/, postgres/ - the backend that keeps the users. Thread-safe;
// every method completes entirely or changes nothing.
//
// Tokens are stored as SHA-256 hashes only (a leaked database holds no live link). Of
// concurrent redemptions of one token (threads, nodes) exactly one succeeds: the SQL backends
// take it with ONE conditional UPDATE (... AND used_at = 0 AND expires_at > now) inside the
// transaction that applies its effect.
//
// Policy (token lifetimes, which mails, the password rules) is the auth layer's.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/outbox_store.h"
#include "store/types.h"

namespace tessera::store {

enum class AccountTokenPurpose : std::uint8_t {
  kVerifyEmail = 1,    // proves the user receives mail at `email` (their address when issued)
  kResetPassword = 2,  // lets the holder set a new password (`email`: the address mailed)
  kChangeEmail = 3,    // makes `email` the user's new login address
};

// "verify_email" | "reset_password" | "change_email" (also the SQL backends' column values).
std::string_view to_string(AccountTokenPurpose p);
std::optional<AccountTokenPurpose> parse_account_token_purpose(std::string_view text);

struct AccountToken {
  TokenHash hash{};  // SHA-256 of the token in the link
  UserId user_id{};
  AccountTokenPurpose purpose = AccountTokenPurpose::kVerifyEmail;
  std::string email;            // see AccountTokenPurpose; normalized
  std::int64_t created_at = 0;  // Unix seconds
  std::int64_t expires_at = 0;  // usable while now < expires_at
  std::int64_t used_at = 0;     // 0: unused. Also set when a later event kills the token.
};

enum class Redeemed : std::uint8_t {
  kApplied,     // the token was good and its effect is committed (with the mails)
  kUnknown,     // no such token, or one of another purpose: nothing changed
  kUsed,        // used before, or killed by a later event: nothing changed
  kExpired,     // now >= expires_at: nothing changed
  kStale,       // kVerifyEmail whose email is no longer the user's: nothing changed
  kEmailTaken,  // kChangeEmail whose email another user has now: nothing changed
};

struct Redemption {
  Redeemed outcome = Redeemed::kUnknown;
  AccountToken token;  // as stored before the call (all but kUnknown)
};

class AccountTokenStore {
 public:
  virtual ~AccountTokenStore() = default;

  // Creates `user` (UserStore::create's rules), stores `token` for them and enqueues `mails`.
  // kConflict if the id or email is taken: nothing is stored.
  virtual std::expected<void, StoreError> create_user(const User& user, const AccountToken& token,
                                                      std::span<const OutgoingMail> mails,
                                                      std::int64_t now) = 0;

  // Stores `token` and enqueues `mails`. kNotFound if the user does not exist, kConflict if the
  // hash exists: nothing is stored.
  virtual std::expected<void, StoreError> issue(const AccountToken& token,
                                                std::span<const OutgoingMail> mails,
                                                std::int64_t now) = 0;

  // The token, whatever its state (a page showing a link never changes anything). kNotFound.
  virtual std::expected<AccountToken, StoreError> find(const TokenHash& hash) = 0;

  // Redeems an unused, unexpired token of `purpose` at `now` and applies its effect, with
  // `mails` enqueued, all in one transaction:
  //   kVerifyEmail: users.email_verified = true, if the user's email is still token.email
  //     (else kStale).
  //   kChangeEmail: users.email = token.email (kEmailTaken if another user has it) and
  //     email_verified = true; every other unused kChangeEmail and kVerifyEmail token of the
  //     user is killed (they name an address that is no longer the point).
  //   kResetPassword: users.password_hash = `password_hash`, password_changed_at = now; every
  //     other unused kResetPassword token of the user is killed; email_verified = true if the
  //     user's email is still token.email (the link reached that mailbox).
  // The mails are enqueued only when the outcome is kApplied. REQUIRES: `password_hash` is a
  // non-empty PHC string for kResetPassword, ignored otherwise.
  virtual std::expected<Redemption, StoreError> redeem(const TokenHash& hash,
                                                       AccountTokenPurpose purpose,
                                                       std::string_view password_hash,
                                                       std::span<const OutgoingMail> mails,
                                                       std::int64_t now) = 0;

  // Kills every unused token of `purpose` that `user` has (used_at = now): a password changed
  // by other means ends the reset links. How many.
  virtual std::expected<std::size_t, StoreError> kill(const UserId& user,
                                                      AccountTokenPurpose purpose,
                                                      std::int64_t now) = 0;

  // Deletes tokens that expired before `before`; how many.
  virtual std::expected<std::size_t, StoreError> purge_expired(std::int64_t before) = 0;
};

}  // namespace tessera::store
