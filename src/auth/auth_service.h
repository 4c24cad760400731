// The login and account flows that span several services (rate limiter -> users -> sessions ->
// audit), so each rule of SPEC.md is enforced, and tested, in one place below HTTP. The api
// handlers call these and map Error to HTTP; simple reads (authenticate a session cookie, list
// sessions) go to SessionService directly.
//
// Async methods follow UserService's convention: `done` is called exactly once, on a hash-pool
// thread, or on the calling thread with kBusy when the pool is full.
//
// What clients must not be able to tell apart (the api must render these identically):
//   - login: unknown email, wrong password, disabled account -> kInvalidCredentials (same
//     status, same body, comparable time);
//   - signup: a new email and a taken one -> Signup{created = true|false}: answer 201 with the
//     same body (no user id, no cookie; the user logs in next). Signing up never logs in, or a
//     cookie would reveal which case it was.
//
// Thread-safe. REQUIRES: every referenced service and the clock outlive this object and the
// hash pool's queued jobs.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/audit.h"
#include "auth/errors.h"
#include "auth/lifecycle/account_mail.h"
#include "auth/rate_limiter.h"
#include "auth/refresh_families.h"
#include "auth/second_factors.h"
#include "auth/sessions.h"
#include "auth/users.h"
#include "base/clock.h"

namespace tessera::auth {

struct AuthServiceConfig {
  bool open_signup = false;  // auth.open_signup: may anyone POST /auth/signup?
  // auth.require_verified_email: no sign-in (any method) until the user confirmed their
  // address; the refusal (kEmailNotVerified, after the credentials proved who it is) mails a
  // fresh link within the mail limits.
  bool require_verified_email = false;
};

// Where a request comes from: the client IP (already resolved through trusted proxies by the
// http layer) and its User-Agent.
struct RequestContext {
  std::string ip;
  std::string user_agent;
  std::string request_id;  // http/request_id.h; carried to audit events' log lines
};

// The audit actor of a request by `user` (if known) from `from`.
AuditActor actor_of(std::optional<store::UserId> user, const RequestContext& from);

struct LoginRequest {
  std::string email;
  std::string password;
  // The one-call form of a login with TOTP (SPEC.md): the code, or empty. Used only when the
  // user has TOTP on; otherwise ignored.
  std::string totp;
  RequestContext from;
  // The session cookie the browser presented, if any (raw; may be junk). A valid one is
  // deleted: the login replaces it with a fresh id and never adopts it (fixation).
  std::string presented_session;
  // false for POST /auth/token (no cookie session; the token service takes over).
  bool start_session = true;
};

// The first step of a login passed and a second factor must follow (SPEC.md "Second factors
// and step-up"): the api answers 401 mfa_required with these.
struct MfaChallenge {
  std::string token;                 // the mfa_token (SecondFactors::issue_mfa_token)
  std::vector<std::string> methods;  // FactorStatus::methods()
};

struct LoginResult {
  store::User user;
  // Set when the login is NOT complete: nothing else below is then (no session, no device).
  std::optional<MfaChallenge> mfa;
  Authentication authentication;      // what was proved, now: for the session or token family
  std::optional<NewSession> session;  // when start_session
  bool new_device = false;            // first login from this user agent + IP prefix
};

// Where a login completes (sign_in): the request's origin, the session cookie it presented
// (replaced, never adopted), and whether to start a cookie session.
struct SignInContext {
  RequestContext from;
  std::string presented_session;
  bool start_session = true;
};

// The second step of a login (POST /auth/login/mfa, /auth/token/mfa): the mfa_token and ONE
// proof: a code (TOTP or recovery code), or a passkey assertion, which the api verifies through
// `passkey` (auth/passkeys.h) for the token's user, returning the methods it proved (hwk/swk).
struct MfaLoginRequest {
  std::string mfa_token;
  CodeKind kind = CodeKind::kTotp;
  std::string code;
  std::function<std::expected<Amr, Error>(const store::UserId&)> passkey;  // set: a passkey
  SignInContext at;
};

struct Signup {
  bool created = false;             // false: the email was taken (render like true!)
  std::optional<store::User> user;  // when created
};

class AuthService {
 public:
  AuthService(UserService& users, SessionService& sessions, RefreshFamilies& families,
              RateLimiter& limiter, AuditService& audit, SecondFactors& factors,
              const base::Clock& clock, AuthServiceConfig config,
              AccountMail* account_mail = nullptr);

  // POST /auth/login and /auth/token. Errors: kBadInput (malformed email, empty/oversize
  // password), kRateLimited / kConcurrencyLimited (+retry_after; no hashing done),
  // kInvalidCredentials, kBusy,
  // kUnavailable. Audits login.failure / login.success / device.new; counts failures and
  // resets the per-email counter on success.
  // A user with a second factor (FactorStatus::enrolled) is not signed in by a password alone:
  // the result then carries `mfa` (the mfa_token and the methods), and the per-email failure
  // count is NOT reset (only a completed login resets it, or each correct password would buy
  // another round of code guesses). With `totp` given and TOTP on, the code is checked at once
  // (the one-call form): a wrong one is kInvalidCode and counts as a failure.
  void login(LoginRequest request, Done<LoginResult> done);

  // The second step of a login: the mfa_token must be valid, unexpired and unused
  // (kInvalidMfaToken otherwise, also when the user was disabled meanwhile); the attempt goes
  // through the login rate limit of the user's email first, so during a lockout even a correct
  // proof is refused (kRateLimited); a wrong proof (kInvalidCode, or the passkey's refusal)
  // counts as a login failure. Success consumes the token (one completion, across nodes), resets
  // the count and signs in with the first step's methods plus the proof's and `mfa`.
  void login_mfa(MfaLoginRequest request, Done<LoginResult> done);

  // Completes a login whose factors were verified (a password and, when due, a second factor;
  // or a passkey alone): replaces the presented session, starts one when at.start_session,
  // notes the device and audits login.success with the methods. kUnavailable and the session
  // store's errors.
  std::expected<LoginResult, Error> sign_in(store::User user, const Authentication& authn,
                                            const SignInContext& at);

  // POST /auth/signup. kForbidden when open_signup is off; kRateLimited past the per-address
  // sign-up limit (RateLimiter::count_signup, before any hashing); kBadInput / kWeakPassword;
  // kBusy; kUnavailable. A taken email is NOT an error (see the header comment). With an
  // AccountMail, the user commits together with a verification link mailed to them, and the
  // owner of a taken address is told (auth/lifecycle/account_mail.h); without, the user alone.
  void signup(std::string email, std::string password, RequestContext from, Done<Signup> done);

  // POST /auth/logout: deletes the session named by the raw cookie value. kUnauthenticated if
  // there is none (the api may still clear the cookies and answer success).
  std::expected<void, Error> logout(std::string_view raw_session_id, const RequestContext& from);

  // POST /auth/logout with an access token (access cookie or Bearer): its jti is denied until
  // it expires and its family revoked (RefreshFamilies::logout); audited like a session logout.
  std::expected<void, Error> logout_token(const AccessPrincipal& principal,
                                          const RequestContext& from);

  // The current record of the user an access token names: kUnauthenticated if the user is
  // gone or disabled (its tokens are revoked then anyway; this closes the race), or the token is
  // a service's (client credentials: it names no user).
  std::expected<store::User, Error> token_user(const AccessPrincipal& principal);

  // Who may start a passkey sign-in by `email` (POST /auth/passkeys/login/options {email}): the
  // enabled user it names, or nullopt for a malformed or unknown email or a disabled user
  // alike (the caller must answer all of them the same way). kUnavailable.
  std::expected<std::optional<store::User>, Error> sign_in_candidate(std::string_view email);

  // The user as stored (kNotFound; kUnavailable): for a sign-in whose factor named the user.
  std::expected<store::User, Error> user(const store::UserId& id) { return users_.find(id); }

  // GET /admin/users: a page of users (UserService::list: kBadInput for a search no email can
  // hold; kUnavailable).
  std::expected<std::vector<store::User>, Error> list_users(store::UserListQuery q) {
    return users_.list(std::move(q));
  }

  // POST /auth/logout-all: deletes every session of `user`, the caller's included, and
  // revokes every refresh family and access token (RefreshFamilies::revoke_user).
  std::expected<std::size_t, Error> logout_all(const store::User& user, const RequestContext& from);

  // DELETE /auth/sessions/{id}: revokes one of `user`'s own sessions by public id, or one of
  // their refresh families by sid. kNotFound if it is not theirs or does not exist.
  std::expected<void, Error> revoke_session(const store::User& user, std::string_view id,
                                            const RequestContext& from);

  // POST /auth/password: verifies `current_password` (rate limited like a login for the user's
  // email), sets the new one and revokes every session of the user and every refresh family
  // and access token of the user (a caller with a token starts a new family afterwards). The
  // caller's own session (`renew_session`, when a session cookie authenticated) is not ended
  // but renewed: a new id and CSRF token, auth_time now (SPEC.md "Browser delivery": a new id
  // at every password change; the old id stops working). Errors: kRateLimited,
  // kConcurrencyLimited, kInvalidCredentials (wrong current password; a 4xx that does not end
  // the session), kWeakPassword / kBadInput, kBusy, kUnavailable, kUnauthenticated (the
  // caller's session was revoked meanwhile; the password did change). Result: the user as now
  // stored, the sessions + families revoked (the renewed session not counted), and the
  // renewed session.
  struct PasswordChanged {
    store::User user;
    std::size_t revoked = 0;
    std::optional<NewSession> session;  // when renew_session was given
  };
  void change_password(const store::User& user, std::optional<store::Session> renew_session,
                       std::string current_password, std::string new_password, RequestContext from,
                       Done<PasswordChanged> done);

  // POST /auth/step-up (RFC 9470; SPEC.md "Second factors and step-up"): the caller proves
  // their password again, rate limited and audited like a login (a wrong password is a login
  // failure and counts toward the same limits). A user with TOTP on presents a code too
  // (`totp` or `recovery_code` in `code`; missing: kBadInput saying so; wrong: kInvalidCode,
  // counted like a wrong password). On success the authentication is renewed
  // with what was presented (now; "pwd", plus "otp" and "mfa" with a code): a session
  // caller's session is replaced by a new one
  // (a privilege change: new id and CSRF token); a token caller's token is denied and its
  // family ended (RefreshFamilies::logout), and a new family starts with the new
  // authentication. Exactly one of `renew_session` and `token` is given.
  struct SteppedUp {
    store::User user;
    Authentication authentication;
    std::optional<NewSession> session;  // for a session caller
    std::optional<TokenPair> tokens;    // for a token caller
  };
  struct StepUpProof {
    std::string password;
    CodeKind kind = CodeKind::kTotp;
    std::string code;  // empty: none presented
  };
  void step_up(const store::User& user, std::optional<store::Session> renew_session,
               std::shared_ptr<const AccessPrincipal> token, StepUpProof proof, RequestContext from,
               Done<SteppedUp> done);

  // The caller's credential after its authentication changed (step-up, a factor confirmed): a
  // session caller's session (`renew_session`) is replaced by a new one (new id and CSRF
  // token: a privilege change) carrying `authn`; a token caller's token is denied and its
  // family ended (RefreshFamilies::logout), and a new family carries `authn`. Exactly one of
  // renew_session and token is given. `detail` gets the new session's public id or family sid.
  struct Renewed {
    std::optional<NewSession> session;
    std::optional<TokenPair> tokens;
  };
  std::expected<Renewed, Error> renew_credential(
      const store::User& user, const std::optional<store::Session>& renew_session,
      const std::shared_ptr<const AccessPrincipal>& token, const Authentication& authn,
      const RequestContext& from, nlohmann::json& detail);

  // POST /auth/mfa/totp/confirm: SecondFactors::confirm_totp (its errors), then the caller's
  // credential is renewed (renew_credential) with otp and mfa added to `current`'s methods, at
  // the same auth_time: the code proved a second factor, not a fresh password.
  struct TotpConfirmed {
    std::vector<std::string> recovery_codes;
    Authentication authentication;
    Renewed credential;
  };
  std::expected<TotpConfirmed, Error> confirm_totp(
      const store::User& user, const std::optional<store::Session>& renew_session,
      const std::shared_ptr<const AccessPrincipal>& token, const Authentication& current,
      std::string_view code, const RequestContext& from);

  // --- Administration (CLI, /admin). `actor` is who did it (user id of the admin, or none for
  // the CLI) and from where. ---

  // `tessera user add`: synchronous (hashes on the calling thread). kEmailTaken is reported
  // as such here: the operator is trusted.
  std::expected<store::User, Error> add_user_now(std::string_view email, std::string_view password,
                                                 std::vector<std::string> roles,
                                                 const AuditActor& actor);

  // Disables the user and revokes all their sessions, families and access tokens (SPEC.md
  // "Revocation").
  std::expected<std::size_t, Error> disable_user(const store::UserId& user,
                                                 const AuditActor& actor);
  std::expected<void, Error> enable_user(const store::UserId& user, const AuditActor& actor);

  // `tessera user set-roles`: replaces the user's roles (UserService::set_roles: kBadInput,
  // kNotFound); the roles as stored. Nothing ends: this process's cached sessions of the user
  // are dropped and other processes' see the change within a second (SessionConfig); access
  // tokens already issued keep the roles they carry until they expire. Audited as
  // user.roles_changed {user, roles, previous, by}.
  std::expected<std::vector<std::string>, Error> set_roles(const store::UserId& user,
                                                           std::vector<std::string> roles,
                                                           const AuditActor& actor);

  // `tessera user revoke` / admin revoke: every session, family and access token of the user.
  // kNotFound for an unknown user.
  std::expected<std::size_t, Error> revoke_user_sessions(const store::UserId& user,
                                                         const AuditActor& actor);

  // `tessera user delete` / DELETE /admin/users/{id}: every credential of the user ends first
  // (end_all_credentials: sessions and revocations a cache holds too; the not-before stays,
  // so earlier access tokens stay refused), then UserStore::remove deletes the user and every
  // row that is theirs in one transaction. Audited as user.deleted {user, by} (no email).
  // kNotFound, kUnavailable.
  std::expected<void, Error> delete_user(const store::UserId& user, const AuditActor& actor);

  // Ends every session and refresh family of `user` and, through the user's not-before, every
  // access token issued so far (SPEC.md "Revocation"); `reason` is recorded on the families.
  // Not audited here: the caller records why. kUnavailable.
  struct Ended {
    std::size_t sessions = 0;
    std::size_t families = 0;
  };
  std::expected<Ended, Error> end_all_credentials(const store::UserId& user,
                                                  std::string_view reason);

  const AuthServiceConfig& config() const { return config_; }

 private:
  // login / change_password once the rate limiter admitted the attempt.
  void verify_login(std::string email, RateLimiter::Attempt attempt,
                    std::shared_ptr<LoginRequest> req, Done<LoginResult> done);
  // step_up once the rate limiter admitted the attempt.
  void verify_step_up(store::User user, std::optional<store::Session> renew_session,
                      std::shared_ptr<const AccessPrincipal> token, StepUpProof proof,
                      RateLimiter::Attempt attempt, std::shared_ptr<RequestContext> ctx,
                      Done<SteppedUp> done);
  // login_mfa once the rate limiter admitted the attempt.
  void verify_second_step(store::User user, MfaTicket ticket, RateLimiter::Attempt attempt,
                          std::shared_ptr<MfaLoginRequest> req, Done<LoginResult> done);
  void set_password(const store::UserId& user, std::optional<store::Session> renew_session,
                    std::string current_password, std::string new_password,
                    RateLimiter::Attempt attempt, std::shared_ptr<RequestContext> ctx,
                    Done<PasswordChanged> done);

  // kEmailNotVerified when auth.require_verified_email holds `user` back (mailing a new link),
  // nullopt otherwise.
  std::optional<Error> refuse_unverified(const store::User& user, const RequestContext& from);
  // Whether the audit log holds an earlier login.success of `user` (false when it cannot say).
  bool signed_in_before(const store::UserId& user);

  UserService& users_;
  SessionService& sessions_;
  RefreshFamilies& families_;
  RateLimiter& limiter_;
  AuditService& audit_;
  SecondFactors& factors_;
  const base::Clock& clock_;
  AuthServiceConfig config_;
  AccountMail* account_mail_;  // may be null: sign-ups mail nothing
};

}  // namespace tessera::auth
