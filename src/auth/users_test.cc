#include "auth/users.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "auth/password_strength.h"
#include "auth/test_util.h"

namespace tessera::auth {
namespace {

using testing::await;
using testing::kFastParams;

constexpr std::int64_t kT0 = 1'700'000'000;
constexpr char kPassword[] = "correct horse battery";

class UsersTest : public ::testing::Test {
 protected:
  UsersTest() { service_ = make(kFastParams); }
  ~UsersTest() override { pool_.stop(); }  // no job outlives the service

  std::unique_ptr<UserService> make(crypto::PasswordParams params, PasswordPolicy policy = {}) {
    auto s = UserService::create(stores_.users, pool_, {.params = params, .policy = policy});
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error());
    return std::move(*s);
  }

  store::User add(std::string_view email, std::string_view password = kPassword,
                  std::vector<std::string> roles = {}) {
    auto u = service_->create_user_now(email, password, std::move(roles), kT0);
    EXPECT_TRUE(u.has_value()) << (u ? "" : describe(u.error()));
    return u ? *u : store::User{};
  }

  store::Stores stores_ = testing::memory_stores();
  HashPool pool_{{.threads = 2, .queue_per_thread = 16, .nice = 0}};
  std::unique_ptr<UserService> service_;
};

TEST_F(UsersTest, CreateNormalizesHashesAndStores) {
  const store::User u = add("Alice@Example.COM", kPassword, {"admin", "ops", "admin"});
  EXPECT_EQ(u.email, "alice@example.com");
  EXPECT_TRUE(u.password_hash.starts_with("$argon2id$v=19$m=512,t=1,p=1$")) << u.password_hash;
  EXPECT_EQ(u.roles, (std::vector<std::string>{"admin", "ops"}));
  EXPECT_FALSE(u.disabled);
  EXPECT_EQ(u.created_at, kT0);
  EXPECT_EQ(u.password_changed_at, kT0);
  // UUID v4 layout.
  const std::string uuid = store::to_uuid(u.id);
  EXPECT_EQ(uuid[14], '4');
  EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos);

  auto stored = stores_.users->find_by_email("alice@example.com");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->id, u.id);
  EXPECT_EQ(stored->password_hash, u.password_hash);
  EXPECT_EQ(stored->password_hash.find(kPassword), std::string::npos);
}

TEST_F(UsersTest, EmailsAreUniqueAfterNormalization) {
  (void)add("jose\xCC\x81@example.com");
  for (std::string_view same :
       {"jos\xC3\xA9@example.com", "Jose\xCC\x81@example.com", "jos\xC3\xA9@EXAMPLE.com"}) {
    auto r = service_->create_user_now(same, kPassword, {}, kT0);
    ASSERT_FALSE(r.has_value()) << same;
    EXPECT_EQ(r.error().code, Errc::kEmailTaken);
  }
}

// Issue 14, defect 9: an email stored before internationalized domains were stored as
// A-labels is brought to that form at start, so its user can still log in; one whose new form
// is another account's is left as it was and reported by user id (never by email).
TEST_F(UsersTest, RenormalizeEmailsMovesOldSpellingsAndReportsCollisions) {
  auto put = [&](int n, const std::string& email) {
    const store::User u = add("seed" + std::to_string(n) + "@example.com");
    ASSERT_TRUE(stores_.users->set_email(u.id, email));  // as an older binary stored it
  };
  put(1, "ana@b\u00fccher.example");
  put(2, "bo@b\u00fccher.example");
  put(3, "bo@xn--bcher-kva.example");
  put(4, "jos\u00e9@example.com");  // non-ASCII local part: already in its normal form
  auto r = service_->renormalize_emails();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->changed, 1u);
  ASSERT_EQ(r->problems.size(), 1u);
  const std::string bo = store::to_uuid(service_->find_by_email("bo@xn--bcher-kva.example")->id);
  EXPECT_NE(r->problems[0].find(bo), std::string::npos) << r->problems[0];
  EXPECT_EQ(r->problems[0].find("bo@"), std::string::npos) << r->problems[0];
  // Ana is found under every spelling again.
  auto ana = service_->find_by_email("ana@B\u00dcCHER.example");
  ASSERT_TRUE(ana.has_value());
  EXPECT_EQ(ana->email, "ana@xn--bcher-kva.example");
  EXPECT_EQ(service_->find_by_email("ana@xn--bcher-kva.example")->id, ana->id);
  // Idempotent.
  auto again = service_->renormalize_emails();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->changed, 0u);
  EXPECT_EQ(again->problems.size(), 1u);
}

// zxcvbn's score (auth/password_strength.h) in the policy: what is guessed within a million
// tries is refused, with words a person can act on; the account's own email counts as known.
TEST_F(UsersTest, PasswordPolicyRefusesWhatIsEasyToGuess) {
  service_ = make(kFastParams, PasswordPolicy{.min_score = 2});
  for (const char* weak : {"password1", "12345678", "qwertyuiop", "letmein123", "iloveyou2"}) {
    auto r = service_->check_policy(weak);
    ASSERT_FALSE(r.has_value()) << weak;
    EXPECT_EQ(r.error().code, Errc::kWeakPassword);
    EXPECT_NE(r.error().detail.find("too easy to guess"), std::string::npos);
  }
  EXPECT_TRUE(service_->check_policy("correct horse battery staple"));
  EXPECT_TRUE(service_->check_policy("n3w pass phrase"));
  // Built from the account's own address: fine for another account, refused for this one.
  EXPECT_TRUE(service_->check_policy("quokkaquokka77", "other@example.com"));
  EXPECT_FALSE(service_->check_policy("quokkaquokka77", "quokka@example.com"));
  // The same rule on every path that sets a password.
  EXPECT_EQ(service_->create_user_now("weak@example.com", "password1", {}, kT0).error().code,
            Errc::kWeakPassword);
  EXPECT_EQ(service_->hash_new_password_now("password1", "a@example.com").error().code,
            Errc::kWeakPassword);
  EXPECT_GE(password_score("correct horse battery staple"), 3);
  EXPECT_EQ(password_score("password"), 0);
}

TEST_F(UsersTest, PasswordPolicy) {
  EXPECT_EQ(service_->check_policy("1234567").error().code, Errc::kWeakPassword);
  EXPECT_EQ(service_->check_policy("1234567").error().detail,
            "password must be at least 8 characters");
  EXPECT_TRUE(service_->check_policy("12345678").has_value());
  EXPECT_EQ(service_->check_policy("").error().code, Errc::kWeakPassword);
  // Characters, not bytes: 8 two-byte characters pass, 7 do not.
  EXPECT_TRUE(
      service_->check_policy("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"));
  EXPECT_FALSE(service_->check_policy("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"));
  EXPECT_TRUE(service_->check_policy(std::string(1024, 'a')).has_value());
  EXPECT_EQ(service_->check_policy(std::string(1025, 'a')).error().code, Errc::kBadInput);
  EXPECT_EQ(service_->check_policy("abcdefgh\xFF").error().code, Errc::kBadInput);

  auto strict = make(kFastParams, {.min_chars = 12});
  EXPECT_EQ(strict->check_policy("12345678901").error().code, Errc::kWeakPassword);
  EXPECT_TRUE(strict->check_policy("123456789012").has_value());
}

TEST_F(UsersTest, CreateRefusesBadInput) {
  EXPECT_EQ(service_->create_user_now("not-an-email", kPassword, {}, kT0).error().code,
            Errc::kBadInput);
  EXPECT_EQ(service_->create_user_now("a@x.org", "short", {}, kT0).error().code,
            Errc::kWeakPassword);
  EXPECT_EQ(service_->create_user_now("a@x.org", kPassword, {"Admin"}, kT0).error().code,
            Errc::kBadInput);
  EXPECT_EQ(service_->create_user_now("a@x.org", kPassword, {""}, kT0).error().code,
            Errc::kBadInput);
  EXPECT_EQ(service_->create_user_now("a@x.org", kPassword, {"a b"}, kT0).error().code,
            Errc::kBadInput);
  EXPECT_FALSE(stores_.users->find_by_email("a@x.org").has_value());
}

TEST_F(UsersTest, RefusesBadConfiguration) {
  EXPECT_FALSE(UserService::create(stores_.users, pool_, {.params = {.memory_kib = 1}}));
  EXPECT_FALSE(UserService::create(stores_.users, pool_,
                                   {.params = kFastParams, .policy = {.max_bytes = 4096}}));
  EXPECT_FALSE(UserService::create(stores_.users, pool_,
                                   {.params = kFastParams, .policy = {.min_chars = 0}}));
}

TEST_F(UsersTest, VerifiesTheRightPasswordOnly) {
  const store::User u = add("alice@example.com");
  auto ok = service_->verify_credentials_now("ALICE@example.com", kPassword);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->id, u.id);
  auto bad = service_->verify_credentials_now("alice@example.com", "correct horse battery!");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().error.code, Errc::kInvalidCredentials);
  EXPECT_EQ(bad.error().reason, LoginFailureReason::kBadPassword);
  EXPECT_EQ(bad.error().user, u.id);
}

TEST_F(UsersTest, UnknownWrongAndDisabledLookTheSame) {
  const store::User u = add("alice@example.com");
  const store::User d = add("dora@example.com");
  ASSERT_TRUE(service_->set_disabled(d.id, true).has_value());

  auto unknown = service_->verify_credentials_now("nobody@example.com", kPassword);
  auto wrong = service_->verify_credentials_now("alice@example.com", "wrong password");
  auto disabled = service_->verify_credentials_now("dora@example.com", kPassword);
  ASSERT_FALSE(unknown || wrong || disabled);
  // What a client may learn is identical...
  EXPECT_EQ(unknown.error().error, wrong.error().error);
  EXPECT_EQ(wrong.error().error, disabled.error().error);
  EXPECT_EQ(unknown.error().error, make_error(Errc::kInvalidCredentials));
  // ...while the audit log can tell them apart.
  EXPECT_EQ(unknown.error().reason, LoginFailureReason::kUnknownUser);
  EXPECT_EQ(unknown.error().user, std::nullopt);
  EXPECT_EQ(unknown.error().email, "nobody@example.com");
  EXPECT_EQ(wrong.error().reason, LoginFailureReason::kBadPassword);
  EXPECT_EQ(disabled.error().reason, LoginFailureReason::kDisabled);
  EXPECT_EQ(disabled.error().user, d.id);

  // The bland async form gives the same single value.
  auto a = await<std::expected<store::User, Error>>(
      [&](auto done) { service_->authenticate("nobody@example.com", kPassword, done); });
  auto b = await<std::expected<store::User, Error>>(
      [&](auto done) { service_->authenticate("alice@example.com", "wrong password", done); });
  ASSERT_FALSE(a || b);
  EXPECT_EQ(a.error(), b.error());
  (void)u;
}

TEST_F(UsersTest, UnknownEmailCostsAsMuchAsAWrongPassword) {
  // SPEC.md "Identity": a dummy hash is verified for unknown users. Counted, not timed: each
  // failed login must run exactly one Argon2id verification, at the configured cost, and no
  // hashing. The recorder sees the work done on this thread, where the _now form hashes.
  const store::User alice = add("alice@example.com");
  const store::User dora = add("dora@example.com");
  ASSERT_TRUE(service_->set_disabled(dora.id, true).has_value());
  auto work_of = [&](std::string_view email, std::string_view password) {
    crypto::PasswordWorkRecorder recorder;
    auto r = service_->verify_credentials_now(email, password);
    EXPECT_FALSE(r.has_value()) << email;
    return recorder.work();
  };
  const auto unknown = work_of("nobody@example.com", kPassword);
  const auto wrong = work_of("alice@example.com", "wrong password");
  const auto disabled = work_of("dora@example.com", kPassword);  // the right password

  for (const auto* w : {&unknown, &wrong, &disabled}) {
    ASSERT_EQ(w->size(), 1u);
    EXPECT_EQ(w->front().kind, crypto::PasswordWork::Kind::kVerify);
    EXPECT_EQ(w->front().params, kFastParams) << w->front().phc;
  }
  EXPECT_EQ(wrong.front().phc, alice.password_hash);
  EXPECT_EQ(disabled.front().phc, dora.password_hash);
  // The dummy is a real hash shaped like the users' own (same PHC prefix, salt and hash
  // lengths), nobody's, made once at startup.
  const std::string& dummy = unknown.front().phc;
  EXPECT_TRUE(dummy.starts_with("$argon2id$v=19$m=512,t=1,p=1$")) << dummy;
  EXPECT_EQ(dummy.size(), alice.password_hash.size()) << dummy;
  EXPECT_NE(dummy, alice.password_hash);
  EXPECT_NE(dummy, dora.password_hash);
  const auto again = work_of("nobody.else@example.com", "wrong password");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again.front().phc, dummy);

  // With another configured cost, the dummy follows it.
  const crypto::PasswordParams heavier{.memory_kib = 1024, .iterations = 2};
  service_ = make(heavier);
  const auto unknown_heavier = work_of("nobody@example.com", kPassword);
  ASSERT_EQ(unknown_heavier.size(), 1u);
  EXPECT_EQ(unknown_heavier.front().params, heavier) << unknown_heavier.front().phc;
}

TEST_F(UsersTest, TakenEmailCostsAsMuchAsANewOne) {
  // create_user_now hashes before the uniqueness check: one Argon2id hash either way.
  auto work_of = [&](std::string_view email, std::optional<Errc> expected_error) {
    crypto::PasswordWorkRecorder recorder;
    auto r = service_->create_user_now(email, kPassword, {}, kT0);
    std::optional<Errc> got;
    if (!r) got = r.error().code;
    EXPECT_EQ(got, expected_error) << email;
    return recorder.work();
  };
  const auto fresh = work_of("erin@example.com", std::nullopt);
  const auto taken = work_of("Erin@example.com", Errc::kEmailTaken);
  for (const auto* w : {&fresh, &taken}) {
    ASSERT_EQ(w->size(), 1u);
    EXPECT_EQ(w->front().kind, crypto::PasswordWork::Kind::kHash);
    EXPECT_EQ(w->front().params, kFastParams);
  }
}

TEST_F(UsersTest, BadLoginInputIsBadInputNotACredentialCheck) {
  (void)add("alice@example.com");
  EXPECT_EQ(service_->verify_credentials_now("alice", kPassword).error().error.code,
            Errc::kBadInput);
  EXPECT_EQ(service_->verify_credentials_now("alice@example.com", "").error().error.code,
            Errc::kBadInput);
  EXPECT_EQ(service_->verify_credentials_now("alice@example.com", std::string(1025, 'a'))
                .error()
                .error.code,
            Errc::kBadInput);
}

TEST_F(UsersTest, RehashesWhenTheConfiguredCostRises) {
  const store::User u = add("alice@example.com");  // m=512, t=1
  auto stronger = make({.memory_kib = 1024, .iterations = 2});
  auto r = stronger->verify_credentials_now("alice@example.com", kPassword);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->password_hash.starts_with("$argon2id$v=19$m=1024,t=2,p=1$")) << r->password_hash;
  auto stored = stores_.users->find_by_id(u.id);
  EXPECT_EQ(stored->password_hash, r->password_hash);
  EXPECT_EQ(stored->password_changed_at, kT0);  // a re-hash is not a password change
  EXPECT_TRUE(stronger->verify_credentials_now("alice@example.com", kPassword).has_value());

  // A weaker configuration never downgrades it.
  auto weaker = make(kFastParams);
  ASSERT_TRUE(weaker->verify_credentials_now("alice@example.com", kPassword).has_value());
  EXPECT_EQ(stores_.users->find_by_id(u.id)->password_hash, r->password_hash);
  // Nor does a failed login re-hash anything.
  auto strongest = make({.memory_kib = 2048, .iterations = 2});
  EXPECT_FALSE(strongest->verify_credentials_now("alice@example.com", "wrong password"));
  EXPECT_EQ(stores_.users->find_by_id(u.id)->password_hash, r->password_hash);
}

TEST_F(UsersTest, ChangePassword) {
  const store::User u = add("alice@example.com");
  EXPECT_EQ(
      service_->change_password_now(u.id, "wrong password", "new password 1", kT0 + 5).error().code,
      Errc::kInvalidCredentials);
  EXPECT_EQ(service_->change_password_now(u.id, kPassword, "short", kT0 + 5).error().code,
            Errc::kWeakPassword);
  auto r = service_->change_password_now(u.id, kPassword, "new password 1", kT0 + 5);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->password_changed_at, kT0 + 5);
  EXPECT_EQ(stores_.users->find_by_id(u.id)->password_changed_at, kT0 + 5);
  EXPECT_FALSE(service_->verify_credentials_now("alice@example.com", kPassword));
  EXPECT_TRUE(service_->verify_credentials_now("alice@example.com", "new password 1"));

  store::UserId ghost = new_user_id();
  EXPECT_EQ(service_->change_password_now(ghost, kPassword, "new password 2", kT0).error().code,
            Errc::kNotFound);
  ASSERT_TRUE(service_->set_disabled(u.id, true));
  EXPECT_EQ(
      service_->change_password_now(u.id, "new password 1", "new password 2", kT0).error().code,
      Errc::kUnauthenticated);
}

TEST_F(UsersTest, AsyncCallsRunOnThePool) {
  (void)add("alice@example.com");
  auto p = std::make_shared<std::promise<std::thread::id>>();
  service_->authenticate("alice@example.com", kPassword, [p](std::expected<store::User, Error> r) {
    EXPECT_TRUE(r.has_value());
    p->set_value(std::this_thread::get_id());
  });
  EXPECT_NE(p->get_future().get(), std::this_thread::get_id());

  auto created = await<std::expected<store::User, Error>>(
      [&](auto done) { service_->create_user("bob@example.com", kPassword, {"ops"}, kT0, done); });
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->email, "bob@example.com");
  auto changed = await<std::expected<store::User, Error>>([&](auto done) {
    service_->change_password(created->id, kPassword, "another password", kT0 + 1, done);
  });
  ASSERT_TRUE(changed.has_value());
}

TEST_F(UsersTest, AFullPoolAnswersBusyAtOnce) {
  HashPool tiny({.threads = 1, .queue_per_thread = 1, .nice = 0});
  auto s = UserService::create(stores_.users, tiny, {.params = kFastParams});
  ASSERT_TRUE(s.has_value());
  std::promise<void> started;
  std::promise<void> release;
  auto release_f = release.get_future().share();
  ASSERT_TRUE(tiny.submit([&, release_f] {
    started.set_value();
    release_f.wait();
  }));
  started.get_future().wait();
  ASSERT_TRUE(tiny.submit([] {}));  // fills the queue

  int calls = 0;
  std::optional<Error> got;
  (*s)->authenticate("alice@example.com", kPassword, [&](std::expected<store::User, Error> r) {
    ++calls;
    got = r.error();
  });
  EXPECT_EQ(calls, 1);  // synchronously, on this thread
  EXPECT_EQ(got->code, Errc::kBusy);
  release.set_value();
  tiny.stop();
  EXPECT_EQ(calls, 1);  // and never again
}

TEST_F(UsersTest, AdminReads) {
  const store::User a = add("alice@example.com", kPassword, {"admin"});
  const store::User b = add("bob@example.com");
  EXPECT_EQ(service_->find(a.id)->email, "alice@example.com");
  EXPECT_EQ(service_->find_by_email("BOB@example.com")->id, b.id);
  EXPECT_EQ(service_->find_by_email("nobody@example.com").error().code, Errc::kNotFound);
  EXPECT_EQ(service_->find_by_email("junk").error().code, Errc::kBadInput);
  EXPECT_EQ(service_->list({.limit = 10})->size(), 2u);
  // The search is lower-cased in its ASCII letters, as the stored addresses are.
  auto found = service_->list({.limit = 10, .email_contains = "BOB@"});
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().id, b.id);
  for (const std::string bad :
       {std::string("a\0b", 3), std::string("\xff"), std::string(255, 'a')}) {
    EXPECT_EQ(service_->list({.limit = 10, .email_contains = bad}).error().code, Errc::kBadInput);
  }
  EXPECT_EQ(service_->list({.limit = 10, .email_contains = std::string(254, 'a')})->size(), 0u);
  EXPECT_TRUE(has_role(a, "admin"));
  EXPECT_FALSE(has_role(b, "admin"));
  ASSERT_TRUE(service_->set_disabled(b.id, true));
  EXPECT_TRUE(service_->find(b.id)->disabled);
  ASSERT_TRUE(service_->set_disabled(b.id, false));
  EXPECT_TRUE(service_->verify_credentials_now("bob@example.com", kPassword).has_value());
  EXPECT_EQ(service_->set_disabled(new_user_id(), true).error().code, Errc::kNotFound);
}

TEST_F(UsersTest, SetRolesFollowsTheRulesOfCreate) {
  const store::User a = add("alice@example.com", kPassword, {"admin"});
  auto set = service_->set_roles(a.id, {"ops", "billing:read", "ops"});
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(*set, (std::vector<std::string>{"billing:read", "ops"}));
  EXPECT_EQ(service_->find(a.id)->roles, *set);
  EXPECT_EQ(service_->set_roles(a.id, {"Admin"}).error().code, Errc::kBadInput);
  EXPECT_EQ(service_->set_roles(a.id, {""}).error().code, Errc::kBadInput);
  EXPECT_EQ(service_->set_roles(a.id, std::vector<std::string>(33, "r")).error().code,
            Errc::kBadInput);
  EXPECT_EQ(service_->find(a.id)->roles, *set);  // a refused change changed nothing
  EXPECT_TRUE(service_->set_roles(a.id, {})->empty());
  EXPECT_TRUE(service_->find(a.id)->roles.empty());
  EXPECT_EQ(service_->set_roles(new_user_id(), {"ops"}).error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace tessera::auth
