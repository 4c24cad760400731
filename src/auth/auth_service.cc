#include "auth/auth_service.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "auth/email.h"

namespace tessera::auth {

AuditActor actor_of(std::optional<store::UserId> user, const RequestContext& from) {
  return AuditActor{
      .user = user, .ip = from.ip, .user_agent = from.user_agent, .request_id = from.request_id};
}

AuthService::AuthService(UserService& users, SessionService& sessions, RefreshFamilies& families,
                         RateLimiter& limiter, AuditService& audit, SecondFactors& factors,
                         const base::Clock& clock, AuthServiceConfig config,
                         AccountMail* account_mail)
    : users_(users),
      sessions_(sessions),
      families_(families),
      limiter_(limiter),
      audit_(audit),
      factors_(factors),
      clock_(clock),
      config_(config),
      account_mail_(account_mail) {}

void AuthService::login(LoginRequest request, Done<LoginResult> done) {
  // Cheap checks first, on the calling thread: none of them depends on any account.
  auto email = normalize_email(request.email);
  if (!email) {
    return done(std::unexpected(make_error(Errc::kBadInput, std::string(describe(email.error())))));
  }
  if (request.password.empty() || request.password.size() > users_.config().policy.max_bytes) {
    return done(std::unexpected(make_error(
        Errc::kBadInput, request.password.empty() ? "password is empty" : "password too long")));
  }
  // The rate limit before any hashing: a throttled guess costs two counter reads; a guess
  // that only attempts in flight stand in the way of waits for them (rate_limiter.h).
  auto req = std::make_shared<LoginRequest>(std::move(request));
  limiter_.admit(*email, req->from.ip, clock_,
                 [this, email = *email, req, done = std::move(done)](
                     std::expected<RateLimiter::Attempt, Error> attempt) mutable {
                   if (!attempt) return done(std::unexpected(std::move(attempt.error())));
                   verify_login(std::move(email), std::move(*attempt), req, std::move(done));
                 });
}

void AuthService::verify_login(std::string email, RateLimiter::Attempt attempt,
                               std::shared_ptr<LoginRequest> req, Done<LoginResult> done) {
  // The Attempt is move-only and std::function needs a copyable callable: share it.
  auto held = std::make_shared<RateLimiter::Attempt>(std::move(attempt));
  std::string password = std::move(req->password);
  users_.verify_credentials(
      email, std::move(password),
      [this, held, req, done = std::move(done)](std::expected<store::User, LoginFailure> r) {
        const std::int64_t at = clock_.now_unix();
        if (!r) {
          LoginFailure& f = r.error();
          if (f.error.code == Errc::kInvalidCredentials) {
            (void)limiter_.record_failure(*held, at);
            nlohmann::json detail{{"reason", to_string(*f.reason)}};
            // The attempted email only when it names no account (for a real one the user id
            // says who): credential stuffing shows up as many unknown emails.
            if (!f.user) detail["email"] = f.email;
            (void)audit_.record(AuditType::kLoginFailure, at, actor_of(f.user, req->from), detail);
          }
          return done(std::unexpected(std::move(f.error)));
        }
        store::User user = std::move(*r);
        // auth.require_verified_email: said after the password proved who it is (so it reveals
        // nothing to anyone else), before a second factor is asked for.
        if (auto unconfirmed = refuse_unverified(user, req->from)) {
          return done(std::unexpected(std::move(*unconfirmed)));
        }
        // The second factor (SPEC.md "Second factors and step-up"): a password alone never
        // signs in a user who has one.
        auto factors = factors_.status(user.id);
        if (!factors) return done(std::unexpected(std::move(factors.error())));
        Amr methods = Amr::of(AuthMethodRef::kPwd);
        if (factors->enrolled()) {
          if (req->totp.empty() || !factors->totp) {
            // No success recorded: the count resets only when the login completes.
            LoginResult pending{.user = std::move(user)};
            pending.mfa = MfaChallenge{.token = factors_.issue_mfa_token(pending.user.id, methods),
                                       .methods = factors->methods()};
            return done(std::move(pending));
          }
          auto proved = factors_.verify_code(user.id, CodeKind::kTotp, req->totp,
                                             actor_of(user.id, req->from));
          if (!proved) {
            if (proved.error().code == Errc::kInvalidCode) {
              (void)limiter_.record_failure(*held, at);
              (void)audit_.record(AuditType::kLoginFailure, at, actor_of(user.id, req->from),
                                  {{"reason", "bad_second_factor"}, {"method", "totp"}});
            }
            return done(std::unexpected(std::move(proved.error())));
          }
          methods = methods.with(*proved).with(AuthMethodRef::kMfa);
        }
        (void)limiter_.record_success(*held);
        done(sign_in(std::move(user), Authentication{.time = at, .methods = methods},
                     SignInContext{.from = req->from,
                                   .presented_session = req->presented_session,
                                   .start_session = req->start_session}));
      });
}

std::expected<LoginResult, Error> AuthService::sign_in(store::User user,
                                                       const Authentication& authn,
                                                       const SignInContext& at) {
  if (auto unconfirmed = refuse_unverified(user, at.from)) {
    return std::unexpected(std::move(*unconfirmed));
  }
  LoginResult result{.user = std::move(user), .authentication = authn};
  if (!at.presented_session.empty()) {
    // Whatever session the browser carried is replaced, never adopted.
    (void)sessions_.revoke(at.presented_session);
  }
  nlohmann::json detail = {{"amr", authn.methods.values()}};
  // The sign-in happens now; the user authenticated at authn.time (earlier for a federated
  // sign-in: the upstream's auth_time). The session, the device and the event are dated now.
  const std::int64_t now = std::max(clock_.now_unix(), authn.time);
  if (at.start_session) {
    auto s = sessions_.create(result.user, at.from.ip, at.from.user_agent, now, authn.methods,
                              authn.time);
    if (!s) return std::unexpected(std::move(s.error()));
    detail["session"] = s->public_id;
    if (s->evicted > 0) detail["evicted"] = s->evicted;
    result.session = std::move(*s);
  }
  auto fresh = audit_.note_device(result.user.id, at.from.ip, at.from.user_agent, now);
  result.new_device = fresh.value_or(false);
  detail["new_device"] = result.new_device;
  // A new device of a user who signed in before (the very first sign-in is not news): mailed
  // once per device (note_device says "new" once); best effort, the sign-in stands either way.
  const bool mail_device = result.new_device && account_mail_ != nullptr &&
                           account_mail_->enabled() && signed_in_before(result.user.id);
  (void)audit_.record(AuditType::kLoginSuccess, now, actor_of(result.user.id, at.from), detail);
  if (mail_device) {
    (void)account_mail_->notify(
        result.user, "new_device",
        {{"device", at.from.user_agent.empty() ? std::string("unknown") : at.from.user_agent},
         {"ip", at.from.ip},
         {"account", std::string(kAccountPagePath)}});
  }
  return result;
}

bool AuthService::signed_in_before(const store::UserId& user) {
  auto earlier = audit_.query(
      {.limit = 1, .user_id = user, .type = std::string(to_string(AuditType::kLoginSuccess))});
  return earlier && !earlier->empty();
}

std::optional<Error> AuthService::refuse_unverified(const store::User& user,
                                                    const RequestContext& from) {
  if (!config_.require_verified_email || user.email_verified) return std::nullopt;
  std::string detail = "confirm your email address before you sign in";
  // A fresh link, within the mail limits, so the person can act on the refusal at once.
  if (account_mail_ != nullptr && account_mail_->enabled() &&
      limiter_.count_mail_request(user.email, from.ip, clock_.now_unix()) &&
      account_mail_->send_link(user, store::AccountTokenPurpose::kVerifyEmail)) {
    detail += ": we just sent a new confirmation link to your address";
  }
  return make_error(Errc::kEmailNotVerified, std::move(detail));
}

void AuthService::login_mfa(MfaLoginRequest request, Done<LoginResult> done) {
  auto ticket = factors_.open_mfa_token(request.mfa_token);
  if (!ticket) return done(std::unexpected(std::move(ticket.error())));
  auto user = users_.find(ticket->user);
  if (!user) {
    if (user.error().code == Errc::kNotFound) {
      return done(std::unexpected(make_error(Errc::kInvalidMfaToken)));
    }
    return done(std::unexpected(std::move(user.error())));
  }
  if (user->disabled) return done(std::unexpected(make_error(Errc::kInvalidMfaToken)));
  auto req = std::make_shared<MfaLoginRequest>(std::move(request));
  const std::string email = user->email;
  limiter_.admit(
      email, req->at.from.ip, clock_,
      [this, user = std::move(*user), ticket = std::move(*ticket), req,
       done = std::move(done)](std::expected<RateLimiter::Attempt, Error> attempt) mutable {
        if (!attempt) return done(std::unexpected(std::move(attempt.error())));
        verify_second_step(std::move(user), std::move(ticket), std::move(*attempt), req,
                           std::move(done));
      });
}

void AuthService::verify_second_step(store::User user, MfaTicket ticket,
                                     RateLimiter::Attempt attempt,
                                     std::shared_ptr<MfaLoginRequest> req, Done<LoginResult> done) {
  const std::int64_t at = clock_.now_unix();
  const AuditActor actor = actor_of(user.id, req->at.from);
  std::expected<Amr, Error> proved = std::unexpected(make_error(Errc::kInvalidCode));
  const char* method = "webauthn";
  if (req->passkey) {
    proved = req->passkey(user.id);
  } else {
    method = req->kind == CodeKind::kTotp ? "totp" : "recovery_code";
    auto m = factors_.verify_code(user.id, req->kind, req->code, actor);
    proved = m ? std::expected<Amr, Error>(Amr::of(*m)) : std::unexpected(std::move(m.error()));
  }
  if (!proved) {
    const Errc code = proved.error().code;
    if (code != Errc::kUnavailable && code != Errc::kInternal && code != Errc::kBusy &&
        code != Errc::kNotConfigured) {
      (void)limiter_.record_failure(attempt, at);
      (void)audit_.record(AuditType::kLoginFailure, at, actor,
                          {{"reason", "bad_second_factor"}, {"method", method}});
    }
    return done(std::unexpected(std::move(proved.error())));
  }
  // One completion per token, whichever node gets there first.
  if (auto used = factors_.consume_mfa_token(ticket); !used) {
    return done(std::unexpected(std::move(used.error())));
  }
  (void)limiter_.record_success(attempt);
  Amr methods = ticket.first;
  for (AuthMethodRef m :
       {AuthMethodRef::kPwd, AuthMethodRef::kOtp, AuthMethodRef::kHwk, AuthMethodRef::kSwk}) {
    if (proved->has(m)) methods = methods.with(m);
  }
  done(sign_in(std::move(user),
               Authentication{.time = at, .methods = methods.with(AuthMethodRef::kMfa)}, req->at));
}

void AuthService::signup(std::string email, std::string password, RequestContext from,
                         Done<Signup> done) {
  if (!config_.open_signup) return done(std::unexpected(make_error(Errc::kForbidden)));
  const std::int64_t now = clock_.now_unix();
  // Each sign-up costs an Argon2id hash: counted per address before any work (issue 14).
  if (auto counted = limiter_.count_signup(from.ip, now); !counted) {
    return done(std::unexpected(std::move(counted.error())));
  }
  auto ctx = std::make_shared<RequestContext>(std::move(from));
  auto finish = [this, ctx, done = std::move(done)](std::expected<store::User, Error> r) {
    const std::int64_t at = clock_.now_unix();
    if (r) {
      (void)audit_.record(AuditType::kSignup, at, actor_of(r->id, *ctx),
                          {{"email", r->email}, {"outcome", "created"}});
      return done(Signup{.created = true, .user = std::move(*r)});
    }
    if (r.error().code == Errc::kEmailTaken) {
      (void)audit_.record(AuditType::kSignup, at, actor_of(std::nullopt, *ctx),
                          {{"outcome", "email_taken"}});
      return done(Signup{.created = false, .user = std::nullopt});
    }
    done(std::unexpected(std::move(r.error())));
  };
  if (account_mail_ == nullptr) {
    return users_.create_user(std::move(email), std::move(password), {}, now, std::move(finish));
  }
  // The user, the verification link and its mail commit together (AccountMail).
  users_.prepare_user(std::move(email), std::move(password), {}, now,
                      [this, finish = std::move(finish)](std::expected<store::User, Error> r) {
                        if (r) {
                          if (auto committed = account_mail_->commit_signup(*r); !committed) {
                            r = std::unexpected(std::move(committed.error()));
                          }
                        }
                        finish(std::move(r));
                      });
}

std::expected<void, Error> AuthService::logout(std::string_view raw_session_id,
                                               const RequestContext& from) {
  auto s = sessions_.revoke(raw_session_id);
  if (!s) return std::unexpected(std::move(s.error()));
  (void)audit_.record(AuditType::kLogout, clock_.now_unix(), actor_of(s->user_id, from),
                      {{"session", SessionService::public_id(s->id_hash)}});
  return {};
}

std::expected<void, Error> AuthService::logout_token(const AccessPrincipal& principal,
                                                     const RequestContext& from) {
  if (auto r = families_.logout(principal); !r) return std::unexpected(std::move(r.error()));
  (void)audit_.record(AuditType::kLogout, clock_.now_unix(), actor_of(principal.user, from),
                      {{"family", principal.sid}});
  return {};
}

std::expected<store::User, Error> AuthService::token_user(const AccessPrincipal& principal) {
  // A service's token (client credentials) acts for no user.
  if (principal.service) return std::unexpected(make_error(Errc::kUnauthenticated));
  auto user = users_.find(principal.user);
  if (!user) {
    if (user.error().code == Errc::kNotFound)
      return std::unexpected(make_error(Errc::kUnauthenticated));
    return std::unexpected(std::move(user.error()));
  }
  if (user->disabled) return std::unexpected(make_error(Errc::kUnauthenticated));
  return user;
}

std::expected<std::optional<store::User>, Error> AuthService::sign_in_candidate(
    std::string_view email) {
  auto normalized = normalize_email(email);
  if (!normalized) return std::optional<store::User>();
  auto user = users_.find_by_email(*normalized);
  if (!user) {
    if (user.error().code == Errc::kNotFound) return std::optional<store::User>();
    return std::unexpected(std::move(user.error()));
  }
  if (user->disabled) return std::optional<store::User>();
  return std::optional<store::User>(std::move(*user));
}

std::expected<std::size_t, Error> AuthService::logout_all(const store::User& user,
                                                          const RequestContext& from) {
  auto ended = end_all_credentials(user.id, "logout_all");
  if (!ended) return std::unexpected(std::move(ended.error()));
  (void)audit_.record(AuditType::kLogoutAll, clock_.now_unix(), actor_of(user.id, from),
                      {{"sessions", ended->sessions}, {"families", ended->families}});
  return ended->sessions + ended->families;
}

std::expected<void, Error> AuthService::revoke_session(const store::User& user, std::string_view id,
                                                       const RequestContext& from) {
  // Session public ids and family sids are both 128-bit values in base64url; a collision is
  // out of reach, so trying one and then the other names at most one thing.
  auto s = sessions_.revoke_public(user.id, id);
  std::string revoked;
  if (s) {
    revoked = SessionService::public_id(s->id_hash);
  } else if (s.error().code == Errc::kNotFound) {
    auto f = families_.revoke_family(user.id, id, "revoked_by_user");
    if (!f) return std::unexpected(std::move(f.error()));
    revoked = RefreshFamilies::sid_of(f->id);
  } else {
    return std::unexpected(std::move(s.error()));
  }
  (void)audit_.record(AuditType::kSessionRevoked, clock_.now_unix(), actor_of(user.id, from),
                      {{"session", revoked}, {"by", store::to_uuid(user.id)}});
  return {};
}

void AuthService::change_password(const store::User& caller,
                                  std::optional<store::Session> renew_session,
                                  std::string current_password, std::string new_password,
                                  RequestContext from, Done<PasswordChanged> done) {
  // Guessing the current password through a stolen session is a login attempt like any other.
  auto ctx = std::make_shared<RequestContext>(std::move(from));
  limiter_.admit(
      caller.email, ctx->ip, clock_,
      [this, user = caller.id, renew = std::move(renew_session), ctx,
       current = std::move(current_password), next = std::move(new_password),
       done = std::move(done)](std::expected<RateLimiter::Attempt, Error> attempt) mutable {
        if (!attempt) return done(std::unexpected(std::move(attempt.error())));
        set_password(user, std::move(renew), std::move(current), std::move(next),
                     std::move(*attempt), ctx, std::move(done));
      });
}

void AuthService::set_password(const store::UserId& user,
                               std::optional<store::Session> renew_session,
                               std::string current_password, std::string new_password,
                               RateLimiter::Attempt attempt, std::shared_ptr<RequestContext> ctx,
                               Done<PasswordChanged> done) {
  auto held = std::make_shared<RateLimiter::Attempt>(std::move(attempt));
  users_.change_password(
      user, std::move(current_password), std::move(new_password), clock_.now_unix(),
      [this, held, ctx, user, renew = std::move(renew_session),
       done = std::move(done)](std::expected<store::User, Error> r) {
        const std::int64_t at = clock_.now_unix();
        if (!r) {
          if (r.error().code == Errc::kInvalidCredentials) {
            (void)limiter_.record_failure(*held, at);
            (void)audit_.record(AuditType::kLoginFailure, at, actor_of(user, *ctx),
                                {{"reason", "bad_password"}, {"during", "password.change"}});
          }
          return done(std::unexpected(std::move(r.error())));
        }
        (void)limiter_.record_success(*held);
        auto n = sessions_.revoke_all(user, renew ? &renew->id_hash : nullptr);
        // The password did change; a failed revocation must be visible, not swallowed.
        if (!n) return done(std::unexpected(std::move(n.error())));
        auto families = families_.revoke_user(user, "password_changed");
        if (!families) return done(std::unexpected(std::move(families.error())));
        PasswordChanged changed{.user = std::move(*r), .revoked = *n + *families};
        nlohmann::json detail{{"sessions_revoked", *n}, {"families_revoked", *families}};
        if (renew) {
          // The caller just proved the password: a fresh authentication under a new id.
          auto next = sessions_.rotate(
              *renew, at, Authentication{.time = at, .methods = Amr::of(AuthMethodRef::kPwd)});
          if (!next) return done(std::unexpected(std::move(next.error())));
          detail["session"] = next->public_id;
          changed.session = std::move(*next);
        }
        (void)audit_.record(AuditType::kPasswordChanged, at, actor_of(user, *ctx), detail);
        done(std::move(changed));
      });
}

void AuthService::step_up(const store::User& user, std::optional<store::Session> renew_session,
                          std::shared_ptr<const AccessPrincipal> token, StepUpProof proof,
                          RequestContext from, Done<SteppedUp> done) {
  if (proof.password.empty() || proof.password.size() > users_.config().policy.max_bytes) {
    return done(std::unexpected(make_error(
        Errc::kBadInput, proof.password.empty() ? "password is empty" : "password too long")));
  }
  auto ctx = std::make_shared<RequestContext>(std::move(from));
  limiter_.admit(user.email, ctx->ip, clock_,
                 [this, user, renew = std::move(renew_session), token = std::move(token),
                  proof = std::move(proof), ctx, done = std::move(done)](
                     std::expected<RateLimiter::Attempt, Error> attempt) mutable {
                   if (!attempt) return done(std::unexpected(std::move(attempt.error())));
                   verify_step_up(std::move(user), std::move(renew), std::move(token),
                                  std::move(proof), std::move(*attempt), ctx, std::move(done));
                 });
}

void AuthService::verify_step_up(store::User user, std::optional<store::Session> renew_session,
                                 std::shared_ptr<const AccessPrincipal> token, StepUpProof proof,
                                 RateLimiter::Attempt attempt, std::shared_ptr<RequestContext> ctx,
                                 Done<SteppedUp> done) {
  auto held = std::make_shared<RateLimiter::Attempt>(std::move(attempt));
  const std::string email = user.email;
  std::string password = std::move(proof.password);
  users_.verify_credentials(
      email, std::move(password),
      [this, held, ctx, caller = user.id, renew = std::move(renew_session),
       token = std::move(token), kind = proof.kind, code = std::move(proof.code),
       done = std::move(done)](std::expected<store::User, LoginFailure> r) {
        const std::int64_t at = clock_.now_unix();
        // The account the password opened must be the caller's (an email changed in between
        // would name another): anything else is a wrong password for this caller.
        if (!r || r->id != caller) {
          if (!r && r.error().error.code != Errc::kInvalidCredentials) {
            return done(std::unexpected(std::move(r.error().error)));
          }
          (void)limiter_.record_failure(*held, at);
          (void)audit_.record(AuditType::kLoginFailure, at, actor_of(caller, *ctx),
                              {{"reason", "bad_password"}, {"during", "step_up"}});
          return done(std::unexpected(make_error(Errc::kInvalidCredentials)));
        }
        Amr methods = Amr::of(AuthMethodRef::kPwd);
        // With TOTP on, the password alone would step a two-factor sign-in DOWN to one factor.
        auto factors = factors_.status(caller);
        if (!factors) return done(std::unexpected(std::move(factors.error())));
        if (factors->totp) {
          if (code.empty()) {
            return done(std::unexpected(make_error(
                Errc::kBadInput, "two-factor authentication is on: send totp or recovery_code")));
          }
          auto proved = factors_.verify_code(caller, kind, code, actor_of(caller, *ctx));
          if (!proved) {
            if (proved.error().code == Errc::kInvalidCode) {
              (void)limiter_.record_failure(*held, at);
              (void)audit_.record(AuditType::kLoginFailure, at, actor_of(caller, *ctx),
                                  {{"reason", "bad_second_factor"}, {"during", "step_up"}});
            }
            return done(std::unexpected(std::move(proved.error())));
          }
          methods = methods.with(*proved).with(AuthMethodRef::kMfa);
        }
        (void)limiter_.record_success(*held);
        SteppedUp out{.user = std::move(*r), .authentication = {.time = at, .methods = methods}};
        nlohmann::json detail{{"amr", out.authentication.methods.values()}};
        auto renewed = renew_credential(out.user, renew, token, out.authentication, *ctx, detail);
        if (!renewed) return done(std::unexpected(std::move(renewed.error())));
        out.session = std::move(renewed->session);
        out.tokens = std::move(renewed->tokens);
        (void)audit_.record(AuditType::kStepUp, at, actor_of(caller, *ctx), detail);
        done(std::move(out));
      });
}

std::expected<AuthService::Renewed, Error> AuthService::renew_credential(
    const store::User& user, const std::optional<store::Session>& renew_session,
    const std::shared_ptr<const AccessPrincipal>& token, const Authentication& authn,
    const RequestContext& from, nlohmann::json& detail) {
  Renewed out;
  if (renew_session) {
    auto next = sessions_.rotate(*renew_session, clock_.now_unix(), authn);
    if (!next) return std::unexpected(std::move(next.error()));
    detail["session"] = next->public_id;
    out.session = std::move(*next);
  } else if (token) {
    // The old credential ends; a new family carries the new authentication.
    if (auto ended = families_.logout(*token); !ended) {
      return std::unexpected(std::move(ended.error()));
    }
    auto pair = families_.start(user, from.ip, from.user_agent,
                                FamilyGrant{.auth_time = authn.time, .amr = authn.methods});
    if (!pair) return std::unexpected(std::move(pair.error()));
    detail["family"] = pair->sid;
    out.tokens = std::move(*pair);
  }
  return out;
}

std::expected<AuthService::TotpConfirmed, Error> AuthService::confirm_totp(
    const store::User& user, const std::optional<store::Session>& renew_session,
    const std::shared_ptr<const AccessPrincipal>& token, const Authentication& current,
    std::string_view code, const RequestContext& from) {
  auto codes = factors_.confirm_totp(user, code, actor_of(user.id, from));
  if (!codes) return std::unexpected(std::move(codes.error()));
  TotpConfirmed out{
      .recovery_codes = std::move(*codes),
      .authentication = {
          .time = current.time,
          .methods = current.methods.with(AuthMethodRef::kOtp).with(AuthMethodRef::kMfa)}};
  nlohmann::json detail = nlohmann::json::object();
  auto renewed = renew_credential(user, renew_session, token, out.authentication, from, detail);
  if (!renewed) return std::unexpected(std::move(renewed.error()));
  out.credential = std::move(*renewed);
  return out;
}

std::expected<store::User, Error> AuthService::add_user_now(std::string_view email,
                                                            std::string_view password,
                                                            std::vector<std::string> roles,
                                                            const AuditActor& actor) {
  const std::int64_t now = clock_.now_unix();
  auto u = users_.create_user_now(email, password, std::move(roles), now);
  if (!u) return u;
  (void)audit_.record(AuditType::kUserCreated, now, actor,
                      {{"user", store::to_uuid(u->id)},
                       {"email", u->email},
                       {"roles", u->roles},
                       {"by", audit_by(actor)}});
  return u;
}

std::expected<std::size_t, Error> AuthService::disable_user(const store::UserId& user,
                                                            const AuditActor& actor) {
  if (auto r = users_.set_disabled(user, true); !r) return std::unexpected(std::move(r.error()));
  auto ended = end_all_credentials(user, "user_disabled");
  if (!ended) return std::unexpected(std::move(ended.error()));
  (void)audit_.record(AuditType::kUserDisabled, clock_.now_unix(), actor,
                      {{"user", store::to_uuid(user)},
                       {"sessions_revoked", ended->sessions},
                       {"families_revoked", ended->families},
                       {"by", audit_by(actor)}});
  return ended->sessions;
}

std::expected<void, Error> AuthService::enable_user(const store::UserId& user,
                                                    const AuditActor& actor) {
  if (auto r = users_.set_disabled(user, false); !r) return std::unexpected(std::move(r.error()));
  (void)audit_.record(AuditType::kUserEnabled, clock_.now_unix(), actor,
                      {{"user", store::to_uuid(user)}, {"by", audit_by(actor)}});
  return {};
}

std::expected<std::vector<std::string>, Error> AuthService::set_roles(
    const store::UserId& user, std::vector<std::string> roles, const AuditActor& actor) {
  auto before = users_.find(user);
  if (!before) return std::unexpected(std::move(before.error()));
  auto stored = users_.set_roles(user, std::move(roles));
  if (!stored) return stored;
  sessions_.forget_user(user);  // after the store change (auth/hash_cache.h)
  (void)audit_.record(AuditType::kRolesChanged, clock_.now_unix(), actor,
                      {{"user", store::to_uuid(user)},
                       {"roles", *stored},
                       {"previous", before->roles},
                       {"by", audit_by(actor)}});
  return stored;
}

std::expected<std::size_t, Error> AuthService::revoke_user_sessions(const store::UserId& user,
                                                                    const AuditActor& actor) {
  if (auto u = users_.find(user); !u) return std::unexpected(std::move(u.error()));  // kNotFound
  auto ended = end_all_credentials(user, "admin");
  if (!ended) return std::unexpected(std::move(ended.error()));
  (void)audit_.record(AuditType::kSessionRevoked, clock_.now_unix(), actor,
                      {{"user", store::to_uuid(user)},
                       {"sessions", ended->sessions},
                       {"families", ended->families},
                       {"all", true},
                       {"by", audit_by(actor)}});
  return ended->sessions;
}

std::expected<void, Error> AuthService::delete_user(const store::UserId& user,
                                                    const AuditActor& actor) {
  if (auto u = users_.find(user); !u) return std::unexpected(std::move(u.error()));
  auto ended = end_all_credentials(user, "user_deleted");
  if (!ended) return std::unexpected(std::move(ended.error()));
  if (auto removed = users_.remove(user); !removed) return removed;
  (void)audit_.record(AuditType::kUserDeleted, clock_.now_unix(), actor,
                      {{"user", store::to_uuid(user)},
                       {"sessions_revoked", ended->sessions},
                       {"families_revoked", ended->families},
                       {"by", audit_by(actor)}});
  return {};
}

std::expected<AuthService::Ended, Error> AuthService::end_all_credentials(const store::UserId& user,
                                                                          std::string_view reason) {
  auto n = sessions_.revoke_all(user);
  if (!n) return std::unexpected(std::move(n.error()));
  auto families = families_.revoke_user(user, reason);
  if (!families) return std::unexpected(std::move(families.error()));
  return Ended{.sessions = *n, .families = *families};
}

}  // namespace tessera::auth
