// Users and their passwords (SPEC.md "Identity").
//
// Every method that runs Argon2id comes in two forms:
//   - `..._now(...)`: synchronous, hashes on the CALLING thread. For the CLI and tests, and for
//     code already running on the hash pool. Never call it from an I/O thread.
//   - the async form: queues the work on the HashPool and calls `done` with the result. `done`
//     runs on a pool thread, or on the calling thread (before the call returns) with kBusy when
//     the pool's queue is full. It is always called exactly once.
//
// Enumeration: authenticate answers the SAME Error (kInvalidCredentials, empty detail) for an
// unknown email, a wrong password and a disabled user, and does comparable work for all three:
// for an unknown email it verifies the password against a dummy hash made at startup with the
// configured parameters. The internal reason is available to the audit log only (Failure).
//
// Thread-safe. REQUIRES: the UserService outlives every job it queued (stop the pool first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/errors.h"
#include "auth/hash_pool.h"
#include "crypto/password.h"
#include "store/user_store.h"

namespace tessera::auth {

struct PasswordPolicy {
  std::size_t min_chars = 8;                          // code points (NIST SP 800-63B: >= 8)
  std::size_t max_bytes = crypto::kMaxPasswordBytes;  // DoS bound; never above 1024
  // The least zxcvbn score (auth/password_strength.h) a new password needs: 0 checks nothing;
  // the server's default (auth.password_min_score) is 2, which refuses passwords guessed within
  // a million tries (common passwords, a word and a digit, the email's own parts).
  int min_score = 0;
};

struct UserServiceConfig {
  crypto::PasswordParams params;  // Argon2id cost for new hashes; at least OWASP by default
  PasswordPolicy policy;
};

template <typename T>
using Done = std::function<void(std::expected<T, Error>)>;

// Why a login failed, for the audit log and metrics only: clients see kInvalidCredentials for
// all three.
enum class LoginFailureReason : std::uint8_t { kUnknownUser, kBadPassword, kDisabled };
std::string_view to_string(LoginFailureReason r);  // "unknown_user", "bad_password", "disabled"

// A failed credential check, detailed. `error` is what the client may learn; `reason` and
// `user` (the matched account, if any) are for the audit log.
struct LoginFailure {
  Error error;
  std::optional<LoginFailureReason> reason;  // set when error is kInvalidCredentials
  std::optional<store::UserId> user;
  std::string email;  // the normalized email tried (empty if it did not normalize)
};

class UserService {
 public:
  // Makes the dummy hash (one Argon2id run: tens of milliseconds). Errors: the Argon2id
  // parameters are out of range, or the policy is inconsistent.
  static std::expected<std::unique_ptr<UserService>, std::string> create(
      std::shared_ptr<store::UserStore> users, HashPool& pool, UserServiceConfig config);

  // --- Passwords and sign-up -----------------------------------------------------------------

  // Whether `password` may become the password of the account with `email` (normalized; may be
  // empty when unknown): valid UTF-8, >= min_chars code points, <= max_bytes, zxcvbn score >=
  // min_score with the email's parts as known words. kWeakPassword (too short, too easy to
  // guess) or kBadInput (too long, invalid UTF-8), with a detail the client may see. The same
  // policy for sign-up, change and reset (every caller comes here).
  std::expected<void, Error> check_policy(std::string_view password,
                                          std::string_view email = {}) const;

  // Creates a user: email normalized (kBadInput), password policy, Argon2id, store. kEmailTaken
  // if the normalized email exists. The hash is computed BEFORE the uniqueness check, so a
  // taken email costs the same time as a new one. Roles must match [a-z0-9_.:-]{1,64}
  // (kBadInput); duplicates are dropped.
  std::expected<store::User, Error> create_user_now(std::string_view email,
                                                    std::string_view password,
                                                    std::vector<std::string> roles,
                                                    std::int64_t now);
  void create_user(std::string email, std::string password, std::vector<std::string> roles,
                   std::int64_t now, Done<store::User> done);

  // create_user without the store: the user it would create (id, normalized email, hash,
  // roles, times), for a caller that commits it with more in one transaction (a sign-up with
  // its verification mail: auth/lifecycle/account_mail.h). Same errors but kEmailTaken.
  std::expected<store::User, Error> prepare_user_now(std::string_view email,
                                                     std::string_view password,
                                                     std::vector<std::string> roles,
                                                     std::int64_t now);
  void prepare_user(std::string email, std::string password, std::vector<std::string> roles,
                    std::int64_t now, Done<store::User> done);

  // The Argon2id hash of `password` once the policy admits it for the account with `email`
  // (kWeakPassword / kBadInput), for
  // a caller that stores it itself (a password reset commits it with its token).
  std::expected<std::string, Error> hash_new_password_now(std::string_view password,
                                                          std::string_view email);
  void hash_new_password(std::string password, std::string email, Done<std::string> done);

  // --- Authentication --------------------------------------------------------------------------

  // Checks email + password. On success, if the stored hash is weaker than the configured
  // parameters, re-hashes and stores it (best effort) and returns the user with the new hash.
  // Failure: kInvalidCredentials (unknown, wrong, disabled: identical), kBadInput (email does
  // not normalize, password empty or over max_bytes: reveals nothing about accounts),
  // kUnavailable (store down: fail closed).
  std::expected<store::User, LoginFailure> verify_credentials_now(std::string_view email,
                                                                  std::string_view password);
  void verify_credentials(std::string email, std::string password,
                          std::function<void(std::expected<store::User, LoginFailure>)> done);

  // The bland form of verify_credentials for callers that need no audit detail.
  void authenticate(std::string email, std::string password, Done<store::User> done);

  // Verifies `current` for `user`, checks the policy for `next`, stores its hash with
  // password_changed_at = now. kInvalidCredentials if `current` is wrong (the api shows it as a
  // plain 4xx, the session stays), kNotFound / kUnauthenticated if the user vanished or was
  // disabled. Revoking the user's other sessions is the caller's (AuthService's) job.
  std::expected<store::User, Error> change_password_now(const store::UserId& user,
                                                        std::string_view current,
                                                        std::string_view next, std::int64_t now);
  void change_password(store::UserId user, std::string current, std::string next, std::int64_t now,
                       Done<store::User> done);

  // --- Administration (no hashing: call from any thread) ---------------------------------------

  std::expected<store::User, Error> find(const store::UserId& id);
  // `email` is normalized first (kBadInput if it does not normalize).
  std::expected<store::User, Error> find_by_email(std::string_view email);

  // Brings stored emails to the current normalize_email (auth/email.h): an email stored before
  // its normalization changed (issue 14: internationalized domains are now stored as A-labels)
  // would never be found again, and its user could not log in. Only non-ASCII emails can be
  // concerned (UserStore::list_non_ascii_emails: one query, few rows), so this is cheap to run
  // at every start; it is idempotent, and several processes may run it at once. `problems`
  // names (by user id, never by email) what it had to leave: an email that now normalizes to
  // another user's (the two accounts must be merged or one removed by an operator), or one that
  // no longer normalizes at all.
  struct Renormalized {
    std::size_t changed = 0;
    std::vector<std::string> problems;
  };
  std::expected<Renormalized, Error> renormalize_emails();
  // UserStore::list: a page of users in (created_at, id) order (store/user_store.h), the
  // search `q.email_contains` lower-cased in its ASCII letters first (lower_ascii_letters,
  // auth/email.h), so it finds an address whatever the case of those letters. kBadInput (its
  // detail names no parameter: the caller's is the name) for a search that no email can hold:
  // not valid UTF-8, holding NUL, or longer than kMaxEmailBytes.
  std::expected<std::vector<store::User>, Error> list(store::UserListQuery q);
  // UserStore::remove (every row of the user; the caller ends their credentials first).
  std::expected<void, Error> remove(const store::UserId& id);
  // Revoking the user's sessions is the caller's (AuthService's) job.
  std::expected<void, Error> set_disabled(const store::UserId& id, bool disabled);
  // Replaces the user's roles with `roles` (create_user's rules: kBadInput; duplicates dropped,
  // sorted); the roles as stored. kNotFound. Dropping the user's cached sessions is the
  // caller's (AuthService's) job.
  std::expected<std::vector<std::string>, Error> set_roles(const store::UserId& id,
                                                           std::vector<std::string> roles);

  const UserServiceConfig& config() const { return config_; }
  HashPool& pool() { return pool_; }

 private:
  UserService(std::shared_ptr<store::UserStore> users, HashPool& pool, UserServiceConfig config,
              std::string dummy_hash);

  // Queues `work` on the pool; on a full queue calls done(kBusy) at once.
  template <typename R>
  void run_on_pool(std::function<R()> work, std::function<void(R)> done, R busy);
  // create_user / prepare_user: `make` (create_user_now or prepare_user_now) on the pool, the
  // password cleansed after.
  using UserMaker = std::expected<store::User, Error> (UserService::*)(std::string_view,
                                                                       std::string_view,
                                                                       std::vector<std::string>,
                                                                       std::int64_t);
  void user_job(UserMaker make, std::string email, std::string password,
                std::vector<std::string> roles, std::int64_t now, Done<store::User> done);

  std::shared_ptr<store::UserStore> users_;
  HashPool& pool_;
  UserServiceConfig config_;
  std::string dummy_hash_;
};

// A fresh random user id (UUID version 4 layout: 122 random bits).
store::UserId new_user_id();

// Whether `user` has `role`.
bool has_role(const store::User& user, std::string_view role);

}  // namespace tessera::auth
