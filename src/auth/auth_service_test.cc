#include "auth/auth_service.h"

#include <gtest/gtest.h>

#include <future>

#include "auth/test_util.h"
#include "base/base32.h"
#include "base/base64url.h"
#include "crypto/hash.h"
#include "crypto/otp.h"

namespace tessera::auth {
namespace {

using testing::await;

constexpr std::int64_t kT0 = 1'700'000'000;
constexpr char kPassword[] = "correct horse battery";

using LoginR = std::expected<LoginResult, Error>;
using SignupR = std::expected<Signup, Error>;
using ChangeR = std::expected<AuthService::PasswordChanged, Error>;
using StepUpR = std::expected<AuthService::SteppedUp, Error>;

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest() {
    EXPECT_TRUE(keyring_.start().has_value());
    EXPECT_TRUE(revocation_.start().has_value());
    build({});
  }
  ~AuthServiceTest() override { pool_.stop(); }  // no job outlives the services

  void build(AuthServiceConfig config) {
    auth_.reset();
    users_ =
        std::move(*UserService::create(stores_.users, pool_, {.params = testing::kFastParams}));
    auth_ = std::make_unique<AuthService>(*users_, sessions_, tokens_, limiter_, audit_, factors_,
                                          clock_, config);
  }

  store::User add(std::string_view email, std::vector<std::string> roles = {}) {
    auto u = auth_->add_user_now(email, kPassword, std::move(roles), {});
    EXPECT_TRUE(u.has_value());
    return u ? *u : store::User{};
  }

  LoginR login(std::string email, std::string password, std::string ip = "198.51.100.1",
               std::string presented = {}) {
    return await<LoginR>([&](auto done) {
      auth_->login({.email = std::move(email),
                    .password = std::move(password),
                    .from = {.ip = std::move(ip), .user_agent = "Mozilla/5.0 test"},
                    .presented_session = std::move(presented)},
                   done);
    });
  }

  std::vector<store::AuditEvent> events(std::string type) {
    auto r = audit_.query({.limit = 1000, .type = std::move(type)});
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::vector<store::AuditEvent>{};
  }

  base::ManualClock clock_{kT0};
  store::Stores stores_ = testing::memory_stores();
  HashPool pool_{{.threads = 2, .queue_per_thread = 16, .nice = 0}};
  SessionService sessions_{stores_.sessions, stores_.users, SessionConfig{}};
  RateLimiter limiter_{stores_.counters, RateLimitConfig{}};
  AuditService audit_{stores_.audit};
  KeyringService keyring_{stores_.keys, crypto::AeadKey{}, clock_, KeyringConfig{}};
  RevocationService revocation_{stores_.revocations, clock_, RevocationConfig{}};
  AccessTokens access_{keyring_, revocation_, clock_, AccessTokenConfig{}};
  RefreshFamilies tokens_{stores_.refresh, stores_.users,        access_, revocation_, audit_,
                          clock_,          RefreshFamilyConfig{}};
  SecondFactors factors_{stores_.credentials, stores_.counters, audit_, clock_, {}};
  std::unique_ptr<UserService> users_;
  std::unique_ptr<AuthService> auth_;
};

TEST_F(AuthServiceTest, LoginStartsASessionAndAudits) {
  const store::User alice = add("alice@example.com");
  auto r = login("Alice@Example.com", kPassword);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->user.id, alice.id);
  ASSERT_TRUE(r->session.has_value());
  EXPECT_TRUE(r->new_device);
  auto cur = sessions_.authenticate(r->session->id, kT0 + 1);
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(cur->user.id, alice.id);
  EXPECT_EQ(cur->session.ip, "198.51.100.1");

  auto ok = events("login.success");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].user_id, alice.id);
  const auto detail = nlohmann::json::parse(ok[0].detail);
  EXPECT_EQ(detail["session"], r->session->public_id);
  // No secret in any audit event.
  for (const auto& e : events("")) {
    EXPECT_EQ(e.detail.find(r->session->id), std::string::npos);
    EXPECT_EQ(e.detail.find(r->session->csrf_token), std::string::npos);
    EXPECT_EQ(e.detail.find(kPassword), std::string::npos);
  }
  EXPECT_EQ(events("device.new").size(), 1u);

  // Same browser again: not a new device.
  auto again = login("alice@example.com", kPassword);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->new_device);
  EXPECT_NE(again->session->id, r->session->id);
}

TEST_F(AuthServiceTest, UnknownEmailWrongPasswordAndDisabledAreIndistinguishable) {
  (void)add("alice@example.com");
  const store::User dora = add("dora@example.com");
  ASSERT_TRUE(auth_->disable_user(dora.id, {}).has_value());

  auto unknown = login("nobody@example.com", kPassword, "198.51.100.1");
  auto wrong = login("alice@example.com", "wrong password", "198.51.100.2");
  auto disabled = login("dora@example.com", kPassword, "198.51.100.3");
  ASSERT_FALSE(unknown || wrong || disabled);
  EXPECT_EQ(unknown.error(), wrong.error());
  EXPECT_EQ(wrong.error(), disabled.error());
  EXPECT_EQ(unknown.error().code, Errc::kInvalidCredentials);
  EXPECT_TRUE(unknown.error().detail.empty());

  auto f = events("login.failure");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(f[0].detail)["reason"], "disabled");
  EXPECT_EQ(nlohmann::json::parse(f[1].detail)["reason"], "bad_password");
  EXPECT_FALSE(nlohmann::json::parse(f[1].detail).contains("email"));
  EXPECT_EQ(nlohmann::json::parse(f[2].detail)["reason"], "unknown_user");
  EXPECT_EQ(nlohmann::json::parse(f[2].detail)["email"], "nobody@example.com");
}

TEST_F(AuthServiceTest, RateLimitBlocksEvenTheRightPasswordUntilTheWindowEnds) {
  (void)add("alice@example.com");
  for (int i = 0; i < 5; ++i) {
    clock_.set(kT0 + i);
    auto r = login("alice@example.com", "wrong password");
    ASSERT_EQ(r.error().code, Errc::kInvalidCredentials);
  }
  clock_.set(kT0 + 60);
  auto limited = login("alice@example.com", kPassword);
  ASSERT_FALSE(limited.has_value());
  EXPECT_EQ(limited.error().code, Errc::kRateLimited);
  EXPECT_EQ(limited.error().retry_after, 840);
  // The same for an unknown email: the limiter does not reveal which accounts exist.
  for (int i = 0; i < 5; ++i) (void)login("nobody@example.com", "wrong password");
  EXPECT_EQ(login("nobody@example.com", "x").error().code, Errc::kRateLimited);

  clock_.set(kT0 + 900);
  EXPECT_TRUE(login("alice@example.com", kPassword).has_value());
}

TEST_F(AuthServiceTest, SuccessResetsTheEmailCounter) {
  (void)add("alice@example.com");
  for (int i = 0; i < 4; ++i) (void)login("alice@example.com", "wrong password");
  ASSERT_TRUE(login("alice@example.com", kPassword).has_value());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(login("alice@example.com", "wrong password").error().code, Errc::kInvalidCredentials);
  }
}

TEST_F(AuthServiceTest, BadInputIsRefusedBeforeAnyWork) {
  EXPECT_EQ(login("not an email", kPassword).error().code, Errc::kBadInput);
  EXPECT_EQ(login("a@example.com", "").error().code, Errc::kBadInput);
  EXPECT_EQ(login("a@example.com", std::string(1025, 'x')).error().code, Errc::kBadInput);
  EXPECT_TRUE(events("login.failure").empty());
}

TEST_F(AuthServiceTest, LoginReplacesThePresentedSessionAndNeverAdoptsOne) {
  (void)add("alice@example.com");
  auto first = login("alice@example.com", kPassword);
  ASSERT_TRUE(first.has_value());
  auto second = login("alice@example.com", kPassword, "198.51.100.1", first->session->id);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->session->id, first->session->id);
  EXPECT_FALSE(sessions_.authenticate(first->session->id, kT0 + 1).has_value());
  EXPECT_TRUE(sessions_.authenticate(second->session->id, kT0 + 1).has_value());

  // A planted id (well-formed, never issued) is not adopted either.
  const std::string planted = base::base64url_encode(crypto::random_bytes(32));
  auto third = login("alice@example.com", kPassword, "198.51.100.1", planted);
  ASSERT_TRUE(third.has_value());
  EXPECT_NE(third->session->id, planted);
  EXPECT_FALSE(sessions_.authenticate(planted, kT0 + 1).has_value());
}

TEST_F(AuthServiceTest, TokenLoginStartsNoSession) {
  (void)add("alice@example.com");
  auto r = await<LoginR>([&](auto done) {
    auth_->login({.email = "alice@example.com",
                  .password = kPassword,
                  .from = {.ip = "198.51.100.1", .user_agent = "cli"},
                  .start_session = false},
                 done);
  });
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->session.has_value());
}

TEST_F(AuthServiceTest, SignupIsOffByDefault) {
  auto r =
      await<SignupR>([&](auto done) { auth_->signup("new@example.com", kPassword, {}, done); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kForbidden);
}

TEST_F(AuthServiceTest, SignupHidesTakenEmails) {
  build({.open_signup = true});
  auto created = await<SignupR>(
      [&](auto done) { auth_->signup("New@Example.com", kPassword, {.ip = "ip"}, done); });
  ASSERT_TRUE(created.has_value());
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->user->email, "new@example.com");
  EXPECT_TRUE(created->user->roles.empty());

  auto taken = await<SignupR>(
      [&](auto done) { auth_->signup("new@example.com", "another password", {}, done); });
  ASSERT_TRUE(taken.has_value());  // not an error: the api answers it like a creation
  EXPECT_FALSE(taken->created);
  EXPECT_FALSE(taken->user.has_value());
  // The existing account is untouched.
  EXPECT_TRUE(login("new@example.com", kPassword).has_value());

  auto weak =
      await<SignupR>([&](auto done) { auth_->signup("weak@example.com", "short", {}, done); });
  EXPECT_EQ(weak.error().code, Errc::kWeakPassword);
  EXPECT_EQ(events("signup").size(), 2u);
}

TEST_F(AuthServiceTest, LogoutAndLogoutAll) {
  const store::User alice = add("alice@example.com");
  auto a = login("alice@example.com", kPassword);
  auto b = login("alice@example.com", kPassword);
  auto c = login("alice@example.com", kPassword);
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(auth_->logout(a->session->id, {}).has_value());
  EXPECT_FALSE(sessions_.authenticate(a->session->id, kT0).has_value());
  EXPECT_EQ(auth_->logout(a->session->id, {}).error().code, Errc::kUnauthenticated);
  EXPECT_EQ(events("logout").size(), 1u);

  auto cur = sessions_.authenticate(b->session->id, kT0);
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(auth_->logout_all(cur->user, {}), 2u);
  EXPECT_FALSE(sessions_.authenticate(b->session->id, kT0).has_value());
  EXPECT_FALSE(sessions_.authenticate(c->session->id, kT0).has_value());
  EXPECT_EQ(events("logout.all").size(), 1u);
  (void)alice;
}

TEST_F(AuthServiceTest, RevokeOneOfMySessions) {
  (void)add("alice@example.com");
  (void)add("bob@example.com");
  auto mine = login("alice@example.com", kPassword);
  auto other = login("alice@example.com", kPassword);
  auto bobs = login("bob@example.com", kPassword);
  auto cur = sessions_.authenticate(mine->session->id, kT0);
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(auth_->revoke_session(cur->user, bobs->session->public_id, {}).error().code,
            Errc::kNotFound);
  EXPECT_TRUE(sessions_.authenticate(bobs->session->id, kT0).has_value());
  ASSERT_TRUE(auth_->revoke_session(cur->user, other->session->public_id, {}).has_value());
  EXPECT_FALSE(sessions_.authenticate(other->session->id, kT0).has_value());
  EXPECT_TRUE(sessions_.authenticate(mine->session->id, kT0).has_value());
  EXPECT_EQ(events("session.revoked").size(), 1u);
}

TEST_F(AuthServiceTest, PasswordChangeRevokesEveryOtherSession) {
  (void)add("alice@example.com");
  auto mine = login("alice@example.com", kPassword);
  auto other = login("alice@example.com", kPassword, "203.0.113.5");
  auto cur = sessions_.authenticate(mine->session->id, kT0);
  ASSERT_TRUE(cur.has_value());

  auto wrong = await<ChangeR>([&](auto done) {
    auth_->change_password(cur->user, cur->session, "wrong password", "brand new password", {},
                           done);
  });
  EXPECT_EQ(wrong.error().code, Errc::kInvalidCredentials);
  EXPECT_TRUE(sessions_.authenticate(other->session->id, kT0).has_value());

  clock_.set(kT0 + 10);
  auto ok = await<ChangeR>([&](auto done) {
    auth_->change_password(cur->user, cur->session, kPassword, "brand new password", {}, done);
  });
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->revoked, 1u);
  EXPECT_EQ(ok->user.password_changed_at, kT0 + 10);
  EXPECT_FALSE(sessions_.authenticate(other->session->id, kT0 + 10).has_value());
  // The caller's session is renewed (issue 14, defect 4): the old id is dead, the new one
  // lives on with the same created_at and a fresh auth_time.
  EXPECT_FALSE(sessions_.authenticate(mine->session->id, kT0 + 10).has_value());
  ASSERT_TRUE(ok->session.has_value());
  EXPECT_NE(ok->session->id, mine->session->id);
  EXPECT_NE(ok->session->csrf_token, mine->session->csrf_token);
  auto renewed = sessions_.authenticate(ok->session->id, kT0 + 10);
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(renewed->session.created_at, cur->session.created_at);
  EXPECT_EQ(renewed->session.auth_time, kT0 + 10);
  EXPECT_EQ(users_->find(cur->user.id)->password_changed_at, kT0 + 10);
  EXPECT_EQ(login("alice@example.com", kPassword).error().code, Errc::kInvalidCredentials);
  EXPECT_TRUE(login("alice@example.com", "brand new password").has_value());
  EXPECT_EQ(events("password.changed").size(), 1u);
}

TEST_F(AuthServiceTest, GuessingTheCurrentPasswordIsRateLimited) {
  (void)add("alice@example.com");
  auto mine = login("alice@example.com", kPassword);
  auto cur = sessions_.authenticate(mine->session->id, kT0);
  ASSERT_TRUE(cur.has_value());
  for (int i = 0; i < 5; ++i) {
    auto r = await<ChangeR>([&](auto done) {
      auth_->change_password(cur->user, cur->session, "guess " + std::to_string(i),
                             "brand new password", {.ip = "198.51.100.1"}, done);
    });
    ASSERT_EQ(r.error().code, Errc::kInvalidCredentials);
  }
  auto r = await<ChangeR>([&](auto done) {
    auth_->change_password(cur->user, cur->session, kPassword, "brand new password",
                           {.ip = "198.51.100.1"}, done);
  });
  EXPECT_EQ(r.error().code, Errc::kRateLimited);
  EXPECT_GT(r.error().retry_after, 0);
}

TEST_F(AuthServiceTest, DisableRevokesAndBlocksLogin) {
  const store::User alice = add("alice@example.com");
  auto s = login("alice@example.com", kPassword);
  ASSERT_TRUE(s.has_value());
  auto n = auth_->disable_user(alice.id, {.ip = "127.0.0.1", .user_agent = "cli"});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(sessions_.authenticate(s->session->id, kT0).has_value());
  EXPECT_EQ(login("alice@example.com", kPassword).error().code, Errc::kInvalidCredentials);
  ASSERT_TRUE(auth_->enable_user(alice.id, {}).has_value());
  EXPECT_TRUE(login("alice@example.com", kPassword).has_value());
  EXPECT_EQ(events("user.disabled").size(), 1u);
  EXPECT_EQ(events("user.enabled").size(), 1u);
  EXPECT_EQ(auth_->disable_user(new_user_id(), {}).error().code, Errc::kNotFound);
}

TEST_F(AuthServiceTest, AddUserReportsTakenEmailsAndAudits) {
  const store::User a = add("admin@example.com", {"admin"});
  EXPECT_EQ(a.roles, (std::vector<std::string>{"admin"}));
  auto again = auth_->add_user_now("ADMIN@example.com", kPassword, {}, {});
  EXPECT_EQ(again.error().code, Errc::kEmailTaken);
  auto created = events("user.created");
  ASSERT_EQ(created.size(), 1u);
  const auto d = nlohmann::json::parse(created[0].detail);
  EXPECT_EQ(d["email"], "admin@example.com");
  EXPECT_EQ(d["roles"], nlohmann::json::array({"admin"}));
  EXPECT_EQ(d["by"], "cli");
}

TEST_F(AuthServiceTest, SetRolesIsSeenByTheNextRequestEndsNothingAndAudits) {
  const store::User alice = add("alice@example.com", {"user"});
  auto s = login("alice@example.com", kPassword);
  ASSERT_TRUE(s.has_value());
  auto cached = sessions_.authenticate(s->session->id, kT0);  // now in the session cache
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->user.roles, (std::vector<std::string>{"user"}));
  auto set = auth_->set_roles(alice.id, {"user", "admin"}, {});
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(*set, (std::vector<std::string>{"admin", "user"}));
  auto after = sessions_.authenticate(s->session->id, kT0);  // same second: the cache was dropped
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->user.roles, *set);
  auto changed = events("user.roles_changed");
  ASSERT_EQ(changed.size(), 1u);
  const auto d = nlohmann::json::parse(changed[0].detail);
  EXPECT_EQ(d["user"], store::to_uuid(alice.id));
  EXPECT_EQ(d["roles"], nlohmann::json::array({"admin", "user"}));
  EXPECT_EQ(d["previous"], nlohmann::json::array({"user"}));
  EXPECT_EQ(d["by"], "cli");
  EXPECT_EQ(auth_->set_roles(alice.id, {"Bad Role"}, {}).error().code, Errc::kBadInput);
  EXPECT_EQ(auth_->set_roles(new_user_id(), {"user"}, {}).error().code, Errc::kNotFound);
  EXPECT_EQ(events("user.roles_changed").size(), 1u);  // refusals are not changes
}

TEST_F(AuthServiceTest, RevokeUserSessions) {
  const store::User alice = add("alice@example.com");
  auto a = login("alice@example.com", kPassword);
  auto b = login("alice@example.com", kPassword);
  EXPECT_EQ(auth_->revoke_user_sessions(alice.id, {}), 2u);
  EXPECT_FALSE(sessions_.authenticate(a->session->id, kT0).has_value());
  EXPECT_FALSE(sessions_.authenticate(b->session->id, kT0).has_value());
}

// Every user-wide revocation also ends the user's refresh families and access tokens
// (SPEC.md "Revocation": logout everywhere, password change, disable, admin revoke).
TEST_F(AuthServiceTest, UserWideRevocationsAlsoKillTokens) {
  const store::User alice = add("alice@example.com");
  auto valid = [&](const TokenPair& p) { return access_.verify(p.access.token).has_value(); };
  auto fresh_pair = [&] {
    clock_.advance_ms(1);
    auto u = stores_.users->find_by_id(alice.id);
    auto p = tokens_.start(*u, "ip", "ua");
    EXPECT_TRUE(p.has_value());
    clock_.advance_ms(1);
    return *p;
  };

  TokenPair p = fresh_pair();
  ASSERT_TRUE(valid(p));
  auto s = login("alice@example.com", kPassword);
  auto cur = sessions_.authenticate(s->session->id, kT0);
  ASSERT_TRUE(auth_->logout_all(cur->user, {}).has_value());
  EXPECT_FALSE(valid(p));
  EXPECT_FALSE(tokens_.refresh(p.refresh_token, "ip", "ua").has_value());

  p = fresh_pair();
  ASSERT_TRUE(valid(p));
  ASSERT_TRUE(auth_->revoke_user_sessions(alice.id, {}).has_value());
  EXPECT_FALSE(valid(p));

  p = fresh_pair();
  s = login("alice@example.com", kPassword);
  cur = sessions_.authenticate(s->session->id, kT0);
  ASSERT_TRUE(cur.has_value());
  auto changed = await<ChangeR>([&](auto done) {
    auth_->change_password(cur->user, cur->session, kPassword, "brand new password", {}, done);
  });
  ASSERT_TRUE(changed.has_value());
  EXPECT_FALSE(valid(p));
  ASSERT_TRUE(changed->session.has_value());  // the current one goes on under a new id
  EXPECT_FALSE(sessions_.authenticate(s->session->id, kT0).has_value());
  EXPECT_TRUE(sessions_.authenticate(changed->session->id, kT0).has_value());

  p = fresh_pair();
  ASSERT_TRUE(auth_->disable_user(alice.id, {}).has_value());
  EXPECT_FALSE(valid(p));
}

TEST_F(AuthServiceTest, BusyPoolAnswersBusyAndCountsNothing) {
  (void)add("alice@example.com");
  HashPool tiny({.threads = 1, .queue_per_thread = 1, .nice = 0});
  auto users = UserService::create(stores_.users, tiny, {.params = testing::kFastParams});
  AuthService auth(**users, sessions_, tokens_, limiter_, audit_, factors_, clock_, {});
  std::promise<void> started;
  std::promise<void> release;
  auto release_f = release.get_future().share();
  ASSERT_TRUE(tiny.submit([&, release_f] {
    started.set_value();
    release_f.wait();
  }));
  started.get_future().wait();
  ASSERT_TRUE(tiny.submit([] {}));
  for (int i = 0; i < 10; ++i) {
    std::optional<LoginR> got;
    auth.login({.email = "alice@example.com", .password = "wrong password"},
               [&](LoginR r) { got = std::move(r); });
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code, Errc::kBusy);
  }
  release.set_value();
  tiny.stop();
  // Refused attempts were not failures: the account is not locked.
  EXPECT_TRUE(login("alice@example.com", kPassword).has_value());
}

}  // namespace
}  // namespace tessera::auth

namespace tessera::auth {
namespace {

// DELETE /auth/sessions/{id} names a session or a refresh family; logout with an access token
// denies it and ends its family.
TEST_F(AuthServiceTest, RevokeSessionAlsoNamesFamiliesAndTokenLogoutEndsOne) {
  const store::User alice = add("alice@example.com");
  const store::User bob = add("bob@example.com");
  auto mine = tokens_.start(alice, "ip", "ua");
  auto other = tokens_.start(alice, "ip", "ua");
  auto his = tokens_.start(bob, "ip", "ua");
  ASSERT_TRUE(mine && other && his);
  EXPECT_EQ(auth_->revoke_session(alice, his->sid, {}).error().code, Errc::kNotFound);
  ASSERT_TRUE(auth_->revoke_session(alice, other->sid, {}).has_value());
  EXPECT_FALSE(tokens_.refresh(other->refresh_token, "ip", "ua").has_value());
  EXPECT_TRUE(tokens_.refresh(his->refresh_token, "ip", "ua").has_value());
  EXPECT_EQ(events("session.revoked").size(), 1u);

  auto principal = access_.verify(mine->access.token);
  ASSERT_TRUE(principal.has_value());
  auto user = auth_->token_user(**principal);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->email, "alice@example.com");
  ASSERT_TRUE(auth_->logout_token(**principal, {}).has_value());
  EXPECT_FALSE(access_.verify(mine->access.token).has_value());
  EXPECT_FALSE(tokens_.refresh(mine->refresh_token, "ip", "ua").has_value());
  EXPECT_EQ(events("logout").size(), 1u);

  auto bobs = access_.verify(his->access.token);
  ASSERT_TRUE(bobs.has_value());
  ASSERT_TRUE(auth_->disable_user(bob.id, {}).has_value());
  EXPECT_EQ(auth_->token_user(**bobs).error().code, Errc::kUnauthenticated);
}

// RFC 9470 step-up: the password again renews the authentication (time and methods) under a
// new credential; a wrong one is a failed login, counted and audited, and changes nothing.
TEST_F(AuthServiceTest, StepUpRenewsTheAuthenticationUnderANewCredential) {
  const store::User alice = add("alice@example.com");
  auto mine = login("alice@example.com", kPassword);
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(mine->session->record.amr, "pwd");
  clock_.advance_ms(3'600'000);  // an hour later
  auto cur = sessions_.authenticate(mine->session->id, clock_.now_unix());
  ASSERT_TRUE(cur.has_value());
  EXPECT_EQ(cur->session.auth_time, kT0);  // touching the session did not renew it

  const auto step_up = [&](std::optional<store::Session> s,
                           std::shared_ptr<const AccessPrincipal> token, std::string password) {
    return await<StepUpR>([&](auto done) {
      auth_->step_up(alice, std::move(s), std::move(token), {.password = std::move(password)},
                     {.ip = "198.51.100.9", .user_agent = "ua"}, done);
    });
  };
  auto wrong = step_up(cur->session, nullptr, "not the password");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, Errc::kInvalidCredentials);
  ASSERT_EQ(events("login.failure").size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(events("login.failure")[0].detail)["during"], "step_up");
  EXPECT_TRUE(sessions_.authenticate(mine->session->id, clock_.now_unix()).has_value());
  EXPECT_EQ(step_up(cur->session, nullptr, "").error().code, Errc::kBadInput);

  auto up = step_up(cur->session, nullptr, kPassword);
  ASSERT_TRUE(up.has_value()) << describe(up.error());
  EXPECT_EQ(up->authentication.time, kT0 + 3600);
  EXPECT_EQ(up->authentication.methods, Amr::of(AuthMethodRef::kPwd));
  ASSERT_TRUE(up->session.has_value());
  EXPECT_FALSE(up->tokens.has_value());
  EXPECT_FALSE(sessions_.authenticate(mine->session->id, clock_.now_unix()).has_value());
  auto renewed = sessions_.authenticate(up->session->id, clock_.now_unix());
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(renewed->session.auth_time, kT0 + 3600);
  EXPECT_EQ(renewed->session.created_at, kT0);  // the same session's lifetime goes on
  EXPECT_EQ(events("auth.step_up").size(), 1u);

  // A token caller: its token and family end, a new family carries the new authentication.
  auto pair = tokens_.start(alice, "ip", "ua");
  ASSERT_TRUE(pair.has_value());
  clock_.advance_ms(60'000);
  ASSERT_TRUE(revocation_.poll().has_value());  // the server follows the log every 250 ms
  auto principal = access_.verify(pair->access.token);
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ((*principal)->auth_time, kT0 + 3600);
  auto by_token = step_up(std::nullopt, *principal, kPassword);
  ASSERT_TRUE(by_token.has_value()) << describe(by_token.error());
  ASSERT_TRUE(by_token->tokens.has_value());
  EXPECT_NE(by_token->tokens->sid, pair->sid);
  EXPECT_EQ(by_token->tokens->family.auth_time, kT0 + 3660);
  EXPECT_FALSE(access_.verify(pair->access.token).has_value());
  EXPECT_FALSE(tokens_.refresh(pair->refresh_token, "ip", "ua").has_value());
  auto fresh = access_.verify(by_token->tokens->access.token);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ((*fresh)->auth_time, kT0 + 3660);
  EXPECT_EQ((*fresh)->amr, Amr::of(AuthMethodRef::kPwd));
}

// ---- the two-step login (SPEC.md "Second factors and step-up") ----

class MfaLoginTest : public AuthServiceTest {
 protected:
  // alice with TOTP on; returns the base32 secret.
  std::string enable_totp(const store::User& u) {
    auto e = factors_.enroll_totp(u);
    EXPECT_TRUE(e.has_value());
    secret_ = e ? e->secret : "";
    EXPECT_TRUE(factors_.confirm_totp(u, code(), {}).has_value());
    clock_.advance(30);  // the confirmation used this step
    return secret_;
  }
  std::string code(std::int64_t offset = 0) const {
    auto raw = base::base32_decode(secret_);
    EXPECT_TRUE(raw.has_value());
    return crypto::totp(raw.value_or(""), clock_.now_unix() + offset).value_or("");
  }
  LoginR second(std::string token, CodeKind kind, std::string c, std::string ip = "198.51.100.1") {
    return await<LoginR>([&](auto done) {
      auth_->login_mfa({.mfa_token = std::move(token),
                        .kind = kind,
                        .code = std::move(c),
                        .passkey = nullptr,
                        .at = {.from = {.ip = std::move(ip), .user_agent = "ua"},
                               .presented_session = {},
                               .start_session = true}},
                       done);
    });
  }
  std::string secret_;
};

TEST_F(MfaLoginTest, APasswordAloneNeverSignsInAUserWithTotp) {
  const store::User alice = add("alice@example.com");
  enable_totp(alice);
  auto first = login("alice@example.com", kPassword);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->mfa.has_value());
  EXPECT_FALSE(first->session.has_value());
  EXPECT_EQ(first->mfa->methods, (std::vector<std::string>{"totp", "recovery_code"}));
  EXPECT_TRUE(events("login.success").empty());

  // Wrong code: a login failure; the token survives it.
  const std::string right = code();
  const std::string wrong = right == "123456" ? "654321" : "123456";
  EXPECT_EQ(second(first->mfa->token, CodeKind::kTotp, wrong).error().code, Errc::kInvalidCode);
  EXPECT_EQ(events("login.failure").size(), 1u);

  auto done = second(first->mfa->token, CodeKind::kTotp, right);
  ASSERT_TRUE(done.has_value());
  ASSERT_TRUE(done->session.has_value());
  EXPECT_EQ(done->authentication.methods,
            Amr::of(AuthMethodRef::kPwd).with(AuthMethodRef::kOtp).with(AuthMethodRef::kMfa));
  EXPECT_EQ(done->session->record.amr, "pwd otp mfa");
  EXPECT_EQ(done->authentication.methods.acr(), "aal2");

  // The token was single use: a second completion is refused, even with another valid proof.
  clock_.advance(30);
  EXPECT_EQ(second(first->mfa->token, CodeKind::kTotp, code()).error().code,
            Errc::kInvalidMfaToken);
  EXPECT_EQ(second("junk", CodeKind::kTotp, code()).error().code, Errc::kInvalidMfaToken);
}

TEST_F(MfaLoginTest, OneCallFormAndReplayInTheSameStep) {
  const store::User alice = add("alice@example.com");
  enable_totp(alice);
  auto r = await<LoginR>([&](auto done) {
    auth_->login({.email = "alice@example.com",
                  .password = kPassword,
                  .totp = code(),
                  .from = {.ip = "198.51.100.1", .user_agent = "ua"}},
                 done);
  });
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->mfa.has_value());
  EXPECT_TRUE(r->authentication.methods.has(AuthMethodRef::kMfa));
  // The same code again in the same step: refused, and counted.
  auto again = await<LoginR>([&](auto done) {
    auth_->login({.email = "alice@example.com",
                  .password = kPassword,
                  .totp = code(),
                  .from = {.ip = "198.51.100.1", .user_agent = "ua"}},
                 done);
  });
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Errc::kInvalidCode);
}

TEST_F(MfaLoginTest, WrongCodesLockTheAccountAndThenEvenTheRightCodeIsRefused) {
  const store::User alice = add("alice@example.com");
  enable_totp(alice);
  auto first = login("alice@example.com", kPassword);
  ASSERT_TRUE(first.has_value() && first->mfa.has_value());
  const std::string wrong = code() == "000000" ? "000001" : "000000";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(second(first->mfa->token, CodeKind::kTotp, wrong).error().code, Errc::kInvalidCode);
  }
  auto locked = second(first->mfa->token, CodeKind::kTotp, code());
  ASSERT_FALSE(locked.has_value());
  EXPECT_EQ(locked.error().code, Errc::kRateLimited);
  EXPECT_GE(locked.error().retry_after, 1);
  // A correct password does not reopen the account either (and buys no new guesses).
  EXPECT_EQ(login("alice@example.com", kPassword).error().code, Errc::kRateLimited);
}

TEST_F(MfaLoginTest, ACorrectPasswordDoesNotResetTheFailureCount) {
  const store::User alice = add("alice@example.com");
  enable_totp(alice);
  const std::string wrong = code() == "000000" ? "000001" : "000000";
  // Four wrong codes, then the password again: if the first step reset the count, the fifth
  // round would give four more guesses.
  auto first = login("alice@example.com", kPassword);
  for (int i = 0; i < 4; ++i) (void)second(first->mfa->token, CodeKind::kTotp, wrong);
  auto again = login("alice@example.com", kPassword);
  ASSERT_TRUE(again.has_value() && again->mfa.has_value());
  EXPECT_EQ(second(again->mfa->token, CodeKind::kTotp, wrong).error().code, Errc::kInvalidCode);
  EXPECT_EQ(second(again->mfa->token, CodeKind::kTotp, code()).error().code, Errc::kRateLimited);
}

TEST_F(MfaLoginTest, RecoveryCodeCompletesALoginOnce) {
  const store::User alice = add("alice@example.com");
  auto e = factors_.enroll_totp(alice);
  secret_ = e->secret;
  auto codes = factors_.confirm_totp(alice, code(), {});
  ASSERT_TRUE(codes.has_value());
  auto first = login("alice@example.com", kPassword);
  auto done = second(first->mfa->token, CodeKind::kRecoveryCode, (*codes)[3]);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->authentication.methods.has(AuthMethodRef::kMfa));
  auto next = login("alice@example.com", kPassword);
  EXPECT_EQ(second(next->mfa->token, CodeKind::kRecoveryCode, (*codes)[3]).error().code,
            Errc::kInvalidCode);
}

TEST_F(MfaLoginTest, ADisabledUserCannotFinishALogin) {
  const store::User alice = add("alice@example.com");
  enable_totp(alice);
  auto first = login("alice@example.com", kPassword);
  ASSERT_TRUE(auth_->disable_user(alice.id, {}).has_value());
  EXPECT_EQ(second(first->mfa->token, CodeKind::kTotp, code()).error().code,
            Errc::kInvalidMfaToken);
}

TEST_F(MfaLoginTest, StepUpWithTotpNeedsTheCodeAndRecordsIt) {
  const store::User alice = add("alice@example.com");
  enable_totp(alice);
  auto first = login("alice@example.com", kPassword);
  auto in = second(first->mfa->token, CodeKind::kTotp, code());
  ASSERT_TRUE(in.has_value());
  clock_.advance(3600);
  auto cur = sessions_.authenticate(in->session->id, clock_.now_unix());
  ASSERT_TRUE(cur.has_value());
  const auto step_up = [&](std::string c) {
    return await<StepUpR>([&](auto done) {
      auth_->step_up(alice, cur->session, nullptr,
                     {.password = kPassword, .kind = CodeKind::kTotp, .code = std::move(c)},
                     {.ip = "198.51.100.9", .user_agent = "ua"}, done);
    });
  };
  // Without the code: refused (a password alone would step DOWN to one factor).
  EXPECT_EQ(step_up("").error().code, Errc::kBadInput);
  const std::string wrong = code() == "000000" ? "000001" : "000000";
  EXPECT_EQ(step_up(wrong).error().code, Errc::kInvalidCode);
  auto up = step_up(code());
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->authentication.time, clock_.now_unix());
  EXPECT_EQ(up->authentication.methods.text(), "pwd otp mfa");
}

}  // namespace
}  // namespace tessera::auth
