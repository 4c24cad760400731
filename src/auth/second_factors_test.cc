#include "auth/second_factors.h"

#include <gtest/gtest.h>

#include <set>

#include "auth/mfa/recovery_codes.h"
#include "auth/test_util.h"
#include "auth/users.h"
#include "base/base32.h"
#include "crypto/otp.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'010;  // 10 s into a 30 s step

class SecondFactorsTest : public ::testing::Test {
 protected:
  SecondFactorsTest() { alice_ = add("alice@example.com"); }

  store::User add(std::string email) {
    store::User u{.id = new_user_id(),
                  .email = std::move(email),
                  .password_hash = "x",
                  .created_at = kT0,
                  .password_changed_at = kT0};
    EXPECT_TRUE(stores_.users->create(u).has_value());
    return u;
  }

  std::vector<store::AuditEvent> events(std::string type) {
    auto r = audit_.query({.limit = 1000, .type = std::move(type)});
    EXPECT_TRUE(r.has_value());
    return r ? *r : std::vector<store::AuditEvent>{};
  }

  // The code an authenticator app shows for `secret_b32` at `now`.
  static std::string code_at(std::string_view secret_b32, std::int64_t now) {
    auto secret = base::base32_decode(secret_b32);
    EXPECT_TRUE(secret.has_value());
    auto c = crypto::totp(*secret, now);
    EXPECT_TRUE(c.has_value());
    return *c;
  }

  // TOTP on for alice; returns the base32 secret and the recovery codes.
  std::pair<std::string, std::vector<std::string>> enable() {
    auto e = factors_.enroll_totp(alice_);
    EXPECT_TRUE(e.has_value());
    auto codes = factors_.confirm_totp(alice_, code_at(e->secret, clock_.now_unix()), {});
    EXPECT_TRUE(codes.has_value());
    return {e->secret, codes.value_or(std::vector<std::string>{})};
  }

  base::ManualClock clock_{kT0};
  store::Stores stores_ = testing::memory_stores();
  AuditService audit_{stores_.audit};
  SecondFactors factors_{stores_.credentials, stores_.counters, audit_, clock_,
                         SecondFactorConfig{.issuer = "Tessera Test",
                                            .totp_key = crypto::AeadKey{1},
                                            .recovery_key = std::string(32, 'r'),
                                            .ticket_key = std::string(32, 't')}};
  store::User alice_;
};

TEST_F(SecondFactorsTest, EnrolmentGivesAnIssuerUriAndAStrongSecretSealedAtRest) {
  auto e = factors_.enroll_totp(alice_);
  ASSERT_TRUE(e.has_value());
  auto raw = base::base32_decode(e->secret);
  ASSERT_TRUE(raw.has_value());
  EXPECT_GE(raw->size() * 8, 160u);
  EXPECT_EQ(e->otpauth_uri.rfind("otpauth://totp/Tessera%20Test:", 0), 0u) << e->otpauth_uri;
  EXPECT_NE(e->otpauth_uri.find("issuer=Tessera%20Test"), std::string::npos);
  EXPECT_NE(e->otpauth_uri.find("secret=" + e->secret), std::string::npos);
  auto stored = stores_.credentials->find_totp(alice_.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_FALSE(stored->confirmed);
  EXPECT_EQ(stored->sealed_secret.find(*raw), std::string::npos);  // never in clear
  auto status = factors_.status(alice_.id);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->totp_pending);
  EXPECT_FALSE(status->enrolled());  // pending is not on
}

TEST_F(SecondFactorsTest, ConfirmNeedsTheRightCodeAndGivesTenDistinctRecoveryCodes) {
  auto e = factors_.enroll_totp(alice_);
  ASSERT_TRUE(e.has_value());
  const std::string right = code_at(e->secret, kT0);
  const std::string wrong = right == "000000" ? "000001" : "000000";
  auto refused = factors_.confirm_totp(alice_, wrong, {});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Errc::kInvalidCode);
  EXPECT_FALSE(factors_.status(alice_.id)->enrolled());

  auto codes = factors_.confirm_totp(alice_, right, {});
  ASSERT_TRUE(codes.has_value());
  EXPECT_EQ(codes->size(), 10u);
  EXPECT_EQ(std::set<std::string>(codes->begin(), codes->end()).size(), 10u);
  auto status = factors_.status(alice_.id);
  EXPECT_TRUE(status->totp);
  EXPECT_EQ(status->recovery_codes, 10u);
  EXPECT_EQ(status->methods(), (std::vector<std::string>{"totp", "recovery_code"}));

  // On: enrolling again and confirming again are conflicts until TOTP is removed.
  EXPECT_EQ(factors_.enroll_totp(alice_).error().code, Errc::kConflict);
  EXPECT_EQ(factors_.confirm_totp(alice_, right, {}).error().code, Errc::kConflict);
}

TEST_F(SecondFactorsTest, ACodeIsAcceptedOnceAndWithinOneStepOfDrift) {
  auto [secret, codes] = enable();
  clock_.advance(60);  // two steps on from the confirmation
  const std::int64_t now = clock_.now_unix();
  // One step late (the previous step's code) and one early are accepted; two is not.
  EXPECT_EQ(
      factors_.verify_code(alice_.id, CodeKind::kTotp, code_at(secret, now - 60), {}).error().code,
      Errc::kInvalidCode);
  EXPECT_TRUE(
      factors_.verify_code(alice_.id, CodeKind::kTotp, code_at(secret, now - 30), {}).has_value());
  const std::string current = code_at(secret, now);
  auto ok = factors_.verify_code(alice_.id, CodeKind::kTotp, current, {});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, AuthMethodRef::kOtp);
  // RFC 6238 section 5.2: the same code again, in the same step, is refused.
  EXPECT_EQ(factors_.verify_code(alice_.id, CodeKind::kTotp, current, {}).error().code,
            Errc::kInvalidCode);
  // So is an older step's code once a later one was used (the last step is remembered).
  EXPECT_EQ(
      factors_.verify_code(alice_.id, CodeKind::kTotp, code_at(secret, now - 30), {}).error().code,
      Errc::kInvalidCode);
  clock_.advance(30);
  EXPECT_TRUE(
      factors_.verify_code(alice_.id, CodeKind::kTotp, code_at(secret, clock_.now_unix()), {})
          .has_value());
  // Malformed codes cost no store call and are refused alike.
  for (std::string_view bad : {"", "12345", "1234567", "12 456", "abcdef"}) {
    EXPECT_EQ(factors_.verify_code(alice_.id, CodeKind::kTotp, bad, {}).error().code,
              Errc::kInvalidCode)
        << bad;
  }
  EXPECT_FALSE(events("mfa.failure").empty());
}

TEST_F(SecondFactorsTest, RecoveryCodesWorkOnceInAnySpellingAndRegenerationKillsTheOldOnes) {
  auto [secret, codes] = enable();
  ASSERT_EQ(codes.size(), 10u);
  std::string shouted = codes[0];
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(factors_.verify_code(alice_.id, CodeKind::kRecoveryCode, shouted, {}).has_value());
  EXPECT_EQ(factors_.verify_code(alice_.id, CodeKind::kRecoveryCode, codes[0], {}).error().code,
            Errc::kInvalidCode);
  EXPECT_EQ(factors_.status(alice_.id)->recovery_codes, 9u);
  EXPECT_EQ(
      factors_.verify_code(alice_.id, CodeKind::kRecoveryCode, "2222-2222-2222", {}).error().code,
      Errc::kInvalidCode);

  auto fresh = factors_.regenerate_recovery_codes(alice_.id, {});
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->size(), 10u);
  EXPECT_EQ(factors_.verify_code(alice_.id, CodeKind::kRecoveryCode, codes[1], {}).error().code,
            Errc::kInvalidCode);
  EXPECT_TRUE(
      factors_.verify_code(alice_.id, CodeKind::kRecoveryCode, (*fresh)[1], {}).has_value());
}

TEST_F(SecondFactorsTest, RemovingTotpRemovesTheRecoveryCodesAndNoCodeWorksAfter) {
  auto [secret, codes] = enable();
  ASSERT_TRUE(factors_.remove_totp(alice_.id, {}).has_value());
  auto status = factors_.status(alice_.id);
  EXPECT_FALSE(status->enrolled());
  EXPECT_EQ(status->recovery_codes, 0u);
  clock_.advance(30);
  EXPECT_EQ(factors_.verify_code(alice_.id, CodeKind::kTotp, code_at(secret, clock_.now_unix()), {})
                .error()
                .code,
            Errc::kInvalidCode);
  EXPECT_EQ(factors_.verify_code(alice_.id, CodeKind::kRecoveryCode, codes[2], {}).error().code,
            Errc::kInvalidCode);
  EXPECT_EQ(factors_.remove_totp(alice_.id, {}).error().code, Errc::kNotFound);
  // Without a factor there is nothing for recovery codes to stand in for.
  EXPECT_EQ(factors_.regenerate_recovery_codes(alice_.id, {}).error().code, Errc::kConflict);
}

TEST_F(SecondFactorsTest, MfaTokensAreSignedShortLivedAndSingleUse) {
  const std::string token = factors_.issue_mfa_token(alice_.id, Amr::of(AuthMethodRef::kPwd));
  auto ticket = factors_.open_mfa_token(token);
  ASSERT_TRUE(ticket.has_value());
  EXPECT_EQ(ticket->user, alice_.id);
  EXPECT_EQ(ticket->first, Amr::of(AuthMethodRef::kPwd));

  // Forged: any byte changed; another signer's; junk.
  std::string forged = token;
  forged[forged.size() / 3] = forged[forged.size() / 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(factors_.open_mfa_token(forged).error().code, Errc::kInvalidMfaToken);
  SecondFactors other(stores_.credentials, stores_.counters, audit_, clock_,
                      {.ticket_key = std::string(32, 'x')});
  EXPECT_EQ(other.open_mfa_token(token).error().code, Errc::kInvalidMfaToken);
  EXPECT_EQ(factors_.open_mfa_token("").error().code, Errc::kInvalidMfaToken);
  EXPECT_EQ(factors_.open_mfa_token("a.b").error().code, Errc::kInvalidMfaToken);

  // Single use.
  ASSERT_TRUE(factors_.consume_mfa_token(*ticket).has_value());
  EXPECT_EQ(factors_.consume_mfa_token(*ticket).error().code, Errc::kInvalidMfaToken);
  EXPECT_EQ(factors_.open_mfa_token(token).error().code, Errc::kInvalidMfaToken);

  // Short-lived: 5 minutes.
  const std::string later = factors_.issue_mfa_token(alice_.id, Amr::of(AuthMethodRef::kPwd));
  clock_.advance(kMfaTokenTtl - 1);
  EXPECT_TRUE(factors_.open_mfa_token(later).has_value());
  clock_.advance(2);
  EXPECT_EQ(factors_.open_mfa_token(later).error().code, Errc::kInvalidMfaToken);
}

TEST_F(SecondFactorsTest, ASecretSealedForOneUserDoesNotOpenForAnother) {
  auto e = factors_.enroll_totp(alice_);
  ASSERT_TRUE(e.has_value());
  const store::User bob = add("bob@example.com");
  auto sealed = stores_.credentials->find_totp(alice_.id)->sealed_secret;
  ASSERT_TRUE(stores_.credentials->put_pending_totp(bob.id, sealed, kT0).has_value());
  // Bob's row now holds alice's sealed secret: it must not work for him.
  auto r = factors_.confirm_totp(bob, code_at(e->secret, kT0), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInternal);
}

}  // namespace
}  // namespace tessera::auth
