// Passkeys (auth/passkeys.h) on the memory stores with a manual clock, driven by a software
// authenticator (webauthn/test_authenticator.h): the options each ceremony sends, registration,
// management, and sign-in as first and second factor; every refusal the header names tried and
// seen to fail, with its reason in the audit log and nothing but kPasskeyRefused outside.
#include "auth/passkeys.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/test_util.h"
#include "base/base64url.h"
#include "webauthn/test_authenticator.h"

namespace tessera::auth {
namespace {

using nlohmann::json;
using webauthn::CoseAlg;
using webauthn::test::TestAuthenticator;

constexpr std::int64_t kT0 = 1'700'000'000;
constexpr char kRpId[] = "example.com";
constexpr char kOrigin[] = "https://example.com";
const std::string kTicketKey(32, 'k');
const AuditActor kFrom{.user = std::nullopt, .ip = "198.51.100.7", .user_agent = "test"};

// The "publicKey" member of an options answer.
json public_key(const std::expected<std::string, Error>& options) {
  EXPECT_TRUE(options.has_value()) << (options ? "" : describe(options.error()));
  if (!options) return json::object();
  const json doc = json::parse(*options);
  EXPECT_EQ(doc.size(), 1u);
  return doc.at("publicKey");
}

// The payload of the ticket an options' challenge is (readable by anyone: no secret in it).
json ticket_payload(const json& options) {
  const std::string ticket = *base::base64url_decode(options.at("challenge").get<std::string>());
  return json::parse(*base::base64url_decode(ticket.substr(0, ticket.find('.'))));
}

class PasskeyTest : public ::testing::Test {
 protected:
  PasskeyTest() {
    alice_ = add_user(1, "alice@example.com");
    bob_ = add_user(2, "bob@example.com");
  }

  static PasskeyConfig config() {
    return PasskeyConfig{.rp_id = kRpId,
                         .rp_name = "Tessera Test",
                         .allowed_origins = {kOrigin},
                         .ticket_key = kTicketKey,
                         .challenge_ttl = 300};
  }

  store::User add_user(std::uint8_t id, std::string email) {
    store::User u;
    u.id[0] = id;
    u.email = std::move(email);
    u.password_hash = "$argon2id$v=19$m=8,t=1,p=1$x$y";
    u.created_at = kT0 - 100;
    u.password_changed_at = kT0 - 100;
    EXPECT_TRUE(stores_.users->create(u).has_value());
    return u;
  }

  std::int64_t now() const { return clock_.now_unix(); }

  // Registration options for `user`, answered by `a`, and registered.
  store::Passkey enroll(const store::User& user, TestAuthenticator& a) {
    const json reg = a.create(public_key(service_.registration_options(user)));
    auto p = service_.register_passkey(user, reg.dump(), now(), kFrom);
    EXPECT_TRUE(p.has_value()) << (p ? "" : describe(p.error()));
    return p.value_or(store::Passkey{});
  }

  std::expected<PasskeyAssertion, Error> sign_in(TestAuthenticator& a, PasskeyCeremony ceremony,
                                                 std::optional<store::UserId> options_user,
                                                 std::optional<store::UserId> expected = {}) {
    const json assertion = a.get(public_key(service_.login_options(options_user, ceremony)));
    return service_.verify_login(assertion.dump(), ceremony, expected, now(), kFrom);
  }

  // The detail of the newest audit event of `type` (null if none).
  json last_audit(std::string_view type) {
    auto events = stores_.audit->query({.limit = 1, .type = std::string(type)});
    EXPECT_TRUE(events.has_value());
    if (!events || events->empty()) return nullptr;
    return json::parse(events->front().detail);
  }
  std::size_t audit_count(std::string_view type) {
    auto events = stores_.audit->query({.limit = 1000, .type = std::string(type)});
    return events ? events->size() : 0;
  }

  // A refusal: kPasskeyRefused outside, `reason` (a substring) in the newest passkey.refused.
  void expect_refused(const std::expected<PasskeyAssertion, Error>& r, std::string_view reason) {
    ASSERT_FALSE(r.has_value()) << "accepted; expected refusal: " << reason;
    EXPECT_EQ(r.error().code, Errc::kPasskeyRefused);
    EXPECT_TRUE(r.error().detail.empty()) << r.error().detail;  // nothing for the client
    const json d = last_audit("passkey.refused");
    ASSERT_TRUE(d.is_object());
    EXPECT_NE(d.value("reason", "").find(reason), std::string::npos) << d.dump();
  }

  void expect_bad_registration(const std::expected<store::Passkey, Error>& r,
                               std::string_view detail) {
    ASSERT_FALSE(r.has_value()) << "registered; expected: " << detail;
    EXPECT_EQ(r.error().code, Errc::kBadInput);
    EXPECT_NE(r.error().detail.find(detail), std::string::npos) << r.error().detail;
  }

  store::Stores stores_ = testing::memory_stores();
  base::ManualClock clock_{kT0};
  AuditService audit_{stores_.audit};
  PasskeyService service_{
      stores_.credentials, stores_.users, stores_.counters, audit_, clock_, config()};
  store::User alice_, bob_;
};

// ---- registration -------------------------------------------------------------------------------

TEST_F(PasskeyTest, RegistrationOptionsFollowTheSpec) {
  const json o = public_key(service_.registration_options(alice_));
  EXPECT_EQ(o["rp"], json({{"id", kRpId}, {"name", "Tessera Test"}}));
  const std::string handle = *base::base64url_decode(o["user"]["id"].get<std::string>());
  EXPECT_EQ(handle.size(), 32u);
  EXPECT_EQ(o["user"]["name"], "alice@example.com");
  EXPECT_EQ(o["user"]["displayName"], "alice@example.com");
  std::vector<int> algs;
  for (const json& p : o["pubKeyCredParams"]) algs.push_back(p["alg"].get<int>());
  EXPECT_EQ(algs, (std::vector<int>{-7, -8, -257}));
  EXPECT_EQ(o["authenticatorSelection"]["residentKey"], "required");
  EXPECT_EQ(o["authenticatorSelection"]["userVerification"], "required");
  EXPECT_EQ(o["attestation"], "none");
  EXPECT_EQ(o["timeout"], 300000);
  EXPECT_TRUE(o["excludeCredentials"].empty());
  const json t = ticket_payload(o);
  EXPECT_EQ(t["c"], "register");
  EXPECT_EQ(t["u"], store::to_uuid(alice_.id));
  EXPECT_EQ(t["exp"], kT0 + 300);

  // The handle is the user's for good; each options answer has a fresh challenge.
  const json again = public_key(service_.registration_options(alice_));
  EXPECT_EQ(again["user"]["id"], o["user"]["id"]);
  EXPECT_NE(again["challenge"], o["challenge"]);
  EXPECT_NE(public_key(service_.registration_options(bob_))["user"]["id"], o["user"]["id"]);
}

TEST_F(PasskeyTest, RegistersDeviceBoundAndSyncedPasskeys) {
  TestAuthenticator key(kRpId, kOrigin, CoseAlg::kES256);
  key.transports = {"usb"};
  const store::Passkey p = enroll(alice_, key);
  EXPECT_EQ(p.user_id, alice_.id);
  EXPECT_EQ(p.credential_id, key.credential_id);
  EXPECT_EQ(p.name, "Passkey 1");
  EXPECT_FALSE(p.backup_eligible);
  EXPECT_EQ(p.transports, std::vector<std::string>{"usb"});
  EXPECT_EQ(p.created_at, kT0);
  EXPECT_EQ(p.last_used_at, 0);
  const json added = last_audit("passkey.added");
  EXPECT_EQ(added["name"], "Passkey 1");

  clock_.advance(1);  // the list is oldest first
  TestAuthenticator phone(kRpId, kOrigin, CoseAlg::kEdDSA);
  phone.backup_eligible = phone.backup_state = true;
  const store::Passkey synced = enroll(alice_, phone);
  EXPECT_EQ(synced.name, "Passkey 2");
  EXPECT_TRUE(synced.backup_eligible);
  EXPECT_TRUE(synced.backed_up);

  auto list = service_.list(alice_);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE(service_.list(bob_)->empty());
  // The next options exclude both, with their transports.
  const json o = public_key(service_.registration_options(alice_));
  ASSERT_EQ(o["excludeCredentials"].size(), 2u);
  EXPECT_EQ(o["excludeCredentials"][0]["id"], TestAuthenticator::b64(key.credential_id));
  EXPECT_EQ(o["excludeCredentials"][0]["transports"], json({"usb"}));

  // A freed number is used again.
  ASSERT_TRUE(service_.remove(alice_, p.id).has_value());
  TestAuthenticator third(kRpId, kOrigin);
  EXPECT_EQ(enroll(alice_, third).name, "Passkey 1");
}

TEST_F(PasskeyTest, DuplicateCredentialIdIsAConflict) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  for (const store::User* user : {&alice_, &bob_}) {
    const json reg = key.create(public_key(service_.registration_options(*user)));
    auto r = service_.register_passkey(*user, reg.dump(), now());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kConflict);
  }
  EXPECT_TRUE(service_.list(bob_)->empty());
  EXPECT_EQ(service_.list(alice_)->size(), 1u);
}

TEST_F(PasskeyTest, RegistrationChallengeMustBeLiveOursForThisUserAndUnused) {
  TestAuthenticator key(kRpId, kOrigin);
  // Another user's options.
  const json bobs = public_key(service_.registration_options(bob_));
  expect_bad_registration(service_.register_passkey(alice_, key.create(bobs).dump(), now()),
                          "challenge is invalid or expired");
  // A sign-in challenge.
  const json login = public_key(service_.login_options(alice_.id, PasskeyCeremony::kLogin));
  expect_bad_registration(
      service_.register_passkey(
          alice_, key.registration(login["challenge"].get<std::string>()).dump(), now()),
      "challenge is invalid or expired");
  // Expired.
  const json o = public_key(service_.registration_options(alice_));
  const std::string late = key.create(o).dump();
  expect_bad_registration(service_.register_passkey(alice_, late, now() + 300),
                          "challenge is invalid or expired");
  // Forged: a ticket under another key, and a tampered one.
  TicketSigner other(std::string(32, 'x'));
  const std::string forged =
      other.make({{"c", "register"}, {"u", store::to_uuid(alice_.id)}, {"n", "n"}}, now(), 300);
  expect_bad_registration(
      service_.register_passkey(alice_, key.registration(TestAuthenticator::b64(forged)).dump(),
                                now()),
      "challenge is invalid or expired");
  std::string ticket = *base::base64url_decode(o["challenge"].get<std::string>());
  ticket[5] = ticket[5] == 'A' ? 'B' : 'A';
  expect_bad_registration(
      service_.register_passkey(alice_, key.registration(TestAuthenticator::b64(ticket)).dump(),
                                now()),
      "challenge is invalid or expired");
  // Used: the genuine answer registers; a second credential on the same challenge does not.
  ASSERT_TRUE(service_.register_passkey(alice_, late, now()).has_value());
  TestAuthenticator second(kRpId, kOrigin);
  expect_bad_registration(
      service_.register_passkey(
          alice_, second.registration(o["challenge"].get<std::string>()).dump(), now()),
      "used already");
  EXPECT_EQ(service_.list(alice_)->size(), 1u);
}

TEST_F(PasskeyTest, RegistrationResponseMustVerify) {
  const auto try_with = [&](auto tweak, std::string_view detail) {
    TestAuthenticator key(kRpId, kOrigin);
    tweak(key);
    const json reg = key.create(public_key(service_.registration_options(alice_)));
    expect_bad_registration(service_.register_passkey(alice_, reg.dump(), now()), detail);
  };
  try_with([](TestAuthenticator& k) { k.origin = "https://evil.example"; }, "origin");
  try_with([](TestAuthenticator& k) { k.rp_id = "evil.example"; }, "RP ID");
  try_with([](TestAuthenticator& k) { k.user_verified = false; }, "UV clear");
  try_with([](TestAuthenticator& k) { k.create_type = "webauthn.get"; }, "type");
  expect_bad_registration(service_.register_passkey(alice_, "{", now()), "malformed");
  expect_bad_registration(service_.register_passkey(alice_, "[]", now()), "malformed");
  EXPECT_TRUE(service_.list(alice_)->empty());
  EXPECT_EQ(audit_count("passkey.added"), 0u);
}

TEST_F(PasskeyTest, AUserHoldsABoundedNumberOfPasskeys) {
  for (std::size_t i = 0; i < kMaxPasskeysPerUser; ++i) {
    TestAuthenticator key(kRpId, kOrigin);
    enroll(alice_, key);
  }
  auto r = service_.registration_options(alice_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConflict);
}

// ---- management ---------------------------------------------------------------------------------

TEST_F(PasskeyTest, RenameTrimsAndChecksTheName) {
  TestAuthenticator key(kRpId, kOrigin);
  const store::Passkey p = enroll(alice_, key);
  auto renamed = service_.rename(alice_, p.id, "  Work laptop\t");
  ASSERT_TRUE(renamed.has_value());
  EXPECT_EQ(renamed->name, "Work laptop");
  std::string longest;
  for (std::size_t i = 0; i < kMaxPasskeyNameChars; ++i) longest += "\xc3\xa9";  // é
  EXPECT_EQ(service_.rename(alice_, p.id, longest)->name, longest);
  for (const std::string& bad :
       {std::string(""), std::string("   "), longest + "e", std::string("a\x01"),
        std::string("tab\tinside"), std::string("del\x7f"), std::string("c1 \xc2\x85"),
        std::string("\xff\xfe"), std::string("nul\0x", 5)}) {
    auto r = service_.rename(alice_, p.id, bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, Errc::kBadInput) << bad;
  }
  EXPECT_EQ(service_.list(alice_)->front().name, longest);
  // Another user's id and an unknown one: the same kNotFound.
  EXPECT_EQ(service_.rename(bob_, p.id, "mine").error().code, Errc::kNotFound);
  EXPECT_EQ(service_.rename(alice_, store::PasskeyId{9}, "x").error().code, Errc::kNotFound);
}

TEST_F(PasskeyTest, RemoveOnlyTheUsersOwn) {
  TestAuthenticator key(kRpId, kOrigin);
  const store::Passkey p = enroll(alice_, key);
  EXPECT_EQ(service_.remove(bob_, p.id).error().code, Errc::kNotFound);
  EXPECT_EQ(service_.list(alice_)->size(), 1u);
  ASSERT_TRUE(service_.remove(alice_, p.id, kFrom).has_value());
  EXPECT_EQ(
      last_audit("passkey.removed")["passkey"],
      TestAuthenticator::b64(std::string(reinterpret_cast<const char*>(p.id.data()), p.id.size())));
  EXPECT_EQ(service_.remove(alice_, p.id).error().code, Errc::kNotFound);
  // A removed passkey signs nobody in.
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "unknown credential");
}

// ---- sign-in ------------------------------------------------------------------------------------

TEST_F(PasskeyTest, DiscoverableLoginWithADeviceBoundPasskey) {
  TestAuthenticator key(kRpId, kOrigin);
  const store::Passkey p = enroll(alice_, key);
  const json o = public_key(service_.login_options(std::nullopt, PasskeyCeremony::kLogin));
  EXPECT_EQ(o["rpId"], kRpId);
  EXPECT_TRUE(o["allowCredentials"].empty());
  EXPECT_EQ(o["userVerification"], "required");
  EXPECT_FALSE(ticket_payload(o).contains("u"));
  clock_.advance(10);
  auto r = service_.verify_login(key.get(o).dump(), PasskeyCeremony::kLogin, std::nullopt, now());
  ASSERT_TRUE(r.has_value()) << describe(r.error());
  EXPECT_EQ(r->user, alice_.id);
  EXPECT_EQ(r->methods.text(), "hwk mfa");
  EXPECT_EQ(r->passkey.id, p.id);
  EXPECT_EQ(r->passkey.sign_count, 1);
  EXPECT_EQ(r->passkey.last_used_at, kT0 + 10);
}

TEST_F(PasskeyTest, LoginWithASyncedPasskeyIsSoftwareSecured) {
  TestAuthenticator phone(kRpId, kOrigin, CoseAlg::kEdDSA);
  phone.backup_eligible = phone.backup_state = true;
  phone.counter_step = 0;  // synced passkeys report 0 forever
  enroll(alice_, phone);
  for (int i = 0; i < 2; ++i) {
    auto r = sign_in(phone, PasskeyCeremony::kLogin, std::nullopt);
    ASSERT_TRUE(r.has_value()) << describe(r.error());
    EXPECT_EQ(r->methods.text(), "swk mfa");
  }
}

TEST_F(PasskeyTest, LoginNamingAUserAllowsTheirCredentialsOnly) {
  TestAuthenticator key(kRpId, kOrigin);
  key.transports = {"nfc", "usb"};
  enroll(alice_, key);
  const json o = public_key(service_.login_options(alice_.id, PasskeyCeremony::kLogin));
  ASSERT_EQ(o["allowCredentials"].size(), 1u);
  EXPECT_EQ(o["allowCredentials"][0]["id"], TestAuthenticator::b64(key.credential_id));
  EXPECT_EQ(o["allowCredentials"][0]["transports"], json({"nfc", "usb"}));
  EXPECT_EQ(ticket_payload(o)["u"], store::to_uuid(alice_.id));
  key.send_user_handle = false;  // not required when the options named the user
  auto r = service_.verify_login(key.get(o).dump(), PasskeyCeremony::kLogin, std::nullopt, now());
  ASSERT_TRUE(r.has_value()) << describe(r.error());
  EXPECT_EQ(r->user, alice_.id);
}

TEST_F(PasskeyTest, AKnownUserWithoutPasskeysLooksLikeAnUnknownEmail) {
  const json unknown = public_key(service_.login_options(std::nullopt, PasskeyCeremony::kLogin));
  const json known = public_key(service_.login_options(bob_.id, PasskeyCeremony::kLogin));
  json a = unknown, b = known;
  a.erase("challenge");
  b.erase("challenge");
  EXPECT_EQ(a, b);
  json ta = ticket_payload(unknown), tb = ticket_payload(known);
  for (json* t : {&ta, &tb}) t->erase("n");
  EXPECT_EQ(ta, tb);
  EXPECT_EQ(unknown["challenge"].get<std::string>().size(),
            known["challenge"].get<std::string>().size());
}

TEST_F(PasskeyTest, SecondFactorAfterAPassword) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  EXPECT_EQ(service_.login_options(std::nullopt, PasskeyCeremony::kSecondFactor).error().code,
            Errc::kInternal);
  const json o = public_key(service_.login_options(alice_.id, PasskeyCeremony::kSecondFactor));
  EXPECT_EQ(o["userVerification"], "discouraged");
  EXPECT_EQ(o["allowCredentials"].size(), 1u);
  key.user_verified = false;  // a touch is enough
  auto r =
      service_.verify_login(key.get(o).dump(), PasskeyCeremony::kSecondFactor, alice_.id, now());
  ASSERT_TRUE(r.has_value()) << describe(r.error());
  EXPECT_EQ(r->methods.text(), "hwk");  // the caller adds pwd and mfa
}

// ---- sign-in refusals ---------------------------------------------------------------------------

TEST_F(PasskeyTest, RefusesAChallengeOfAnotherCeremony) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  const json second = public_key(service_.login_options(alice_.id, PasskeyCeremony::kSecondFactor));
  expect_refused(
      service_.verify_login(key.get(second).dump(), PasskeyCeremony::kLogin, std::nullopt, now()),
      "another ceremony");
  const json login = public_key(service_.login_options(alice_.id, PasskeyCeremony::kLogin));
  expect_refused(service_.verify_login(key.get(login).dump(), PasskeyCeremony::kSecondFactor,
                                       alice_.id, now()),
                 "another ceremony");
  const json reg = public_key(service_.registration_options(alice_));
  expect_refused(service_.verify_login(key.assertion(reg["challenge"].get<std::string>()).dump(),
                                       PasskeyCeremony::kLogin, std::nullopt, now()),
                 "another ceremony");
}

TEST_F(PasskeyTest, RefusesAnExpiredOrForgedChallenge) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  const json o = public_key(service_.login_options(std::nullopt, PasskeyCeremony::kLogin));
  expect_refused(
      service_.verify_login(key.get(o).dump(), PasskeyCeremony::kLogin, std::nullopt, now() + 300),
      "challenge invalid");
  TicketSigner other(std::string(32, 'x'));
  const std::string forged = other.make({{"c", "login"}, {"n", "n"}}, now(), 300);
  expect_refused(service_.verify_login(key.assertion(TestAuthenticator::b64(forged)).dump(),
                                       PasskeyCeremony::kLogin, std::nullopt, now()),
                 "challenge invalid");
  expect_refused(service_.verify_login(key.assertion(TestAuthenticator::b64("junk")).dump(),
                                       PasskeyCeremony::kLogin, std::nullopt, now()),
                 "challenge invalid");
  expect_refused(service_.verify_login("{}", PasskeyCeremony::kLogin, std::nullopt, now()),
                 "malformed");
}

TEST_F(PasskeyTest, RefusesAReplayedResponse) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  const json assertion =
      key.get(public_key(service_.login_options(std::nullopt, PasskeyCeremony::kLogin)));
  ASSERT_TRUE(
      service_.verify_login(assertion.dump(), PasskeyCeremony::kLogin, std::nullopt, now()));
  expect_refused(
      service_.verify_login(assertion.dump(), PasskeyCeremony::kLogin, std::nullopt, now()),
      "replay");
  // A fresh response (higher counter) to the spent challenge is refused too.
  const json o = public_key(service_.login_options(std::nullopt, PasskeyCeremony::kLogin));
  ASSERT_TRUE(
      service_.verify_login(key.get(o).dump(), PasskeyCeremony::kLogin, std::nullopt, now()));
  expect_refused(
      service_.verify_login(key.get(o).dump(), PasskeyCeremony::kLogin, std::nullopt, now()),
      "replay");
}

TEST_F(PasskeyTest, AForgedSignatureDoesNotSpendTheChallenge) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  const json o = public_key(service_.login_options(std::nullopt, PasskeyCeremony::kLogin));
  // An attacker's key under alice's credential id and handle: the signature fails...
  TestAuthenticator attacker(kRpId, kOrigin);
  attacker.credential_id = key.credential_id;
  attacker.user_handle = key.user_handle;
  attacker.sign_count = 1000;
  expect_refused(
      service_.verify_login(attacker.get(o).dump(), PasskeyCeremony::kLogin, std::nullopt, now()),
      "signature");
  // ... and alice can still answer the same challenge.
  EXPECT_TRUE(
      service_.verify_login(key.get(o).dump(), PasskeyCeremony::kLogin, std::nullopt, now()));
}

TEST_F(PasskeyTest, RefusesAnotherUsersCredential) {
  TestAuthenticator alices(kRpId, kOrigin), bobs(kRpId, kOrigin);
  enroll(alice_, alices);
  enroll(bob_, bobs);
  // Options for bob (allowCredentials: bob's), answered with alice's credential.
  expect_refused(sign_in(alices, PasskeyCeremony::kLogin, bob_.id), "allowCredentials");
  expect_refused(sign_in(alices, PasskeyCeremony::kSecondFactor, bob_.id, bob_.id),
                 "allowCredentials");
  // The password identified bob; the options named nobody.
  expect_refused(sign_in(alices, PasskeyCeremony::kLogin, std::nullopt, bob_.id), "another user");
  EXPECT_EQ(last_audit("passkey.refused")["passkey"].is_string(), true);
}

TEST_F(PasskeyTest, RefusesAWrongOrMissingUserHandle) {
  TestAuthenticator alices(kRpId, kOrigin), bobs(kRpId, kOrigin);
  enroll(alice_, alices);
  enroll(bob_, bobs);
  const std::string own = alices.user_handle;
  alices.user_handle = bobs.user_handle;  // a real handle, another user's
  expect_refused(sign_in(alices, PasskeyCeremony::kLogin, std::nullopt), "userHandle");
  alices.user_handle = std::string(32, '\x07');  // nobody's
  expect_refused(sign_in(alices, PasskeyCeremony::kLogin, std::nullopt), "userHandle");
  alices.user_handle = std::string(16, '\x07');  // not even our size
  expect_refused(sign_in(alices, PasskeyCeremony::kLogin, std::nullopt), "userHandle");
  alices.user_handle = own;
  alices.send_user_handle = false;  // a discoverable sign-in must say whose it is
  expect_refused(sign_in(alices, PasskeyCeremony::kLogin, std::nullopt), "userHandle missing");
  alices.send_user_handle = true;
  EXPECT_TRUE(sign_in(alices, PasskeyCeremony::kLogin, std::nullopt).has_value());
}

TEST_F(PasskeyTest, RefusesACounterThatDidNotIncrease) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  key.sign_count = 5;
  ASSERT_TRUE(sign_in(key, PasskeyCeremony::kLogin, std::nullopt).has_value());
  key.sign_count = 5;  // a clone that reports what the original reported last
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "counter");
  const json clone = last_audit("passkey.clone_suspected");
  EXPECT_EQ(clone["stored_count"], 5);
  EXPECT_EQ(clone["presented_count"], 5);
  key.sign_count = 3;
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "counter");
  EXPECT_EQ(audit_count("passkey.clone_suspected"), 2u);
  key.sign_count = 6;
  EXPECT_TRUE(sign_in(key, PasskeyCeremony::kLogin, std::nullopt).has_value());
}

TEST_F(PasskeyTest, RefusesAnUnknownCredential) {
  TestAuthenticator stranger(kRpId, kOrigin);
  stranger.user_handle = std::string(32, '\x01');
  expect_refused(sign_in(stranger, PasskeyCeremony::kLogin, std::nullopt), "unknown credential");
}

TEST_F(PasskeyTest, RefusesAnOriginNotAllowedAndAnotherRpId) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  key.origin = "https://evil.example";
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "origin");
  key.origin = kOrigin;
  key.rp_id = "evil.example";
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "RP ID");
}

TEST_F(PasskeyTest, LoginRequiresUserVerification) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  key.user_verified = false;
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "UV clear");
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, alice_.id), "UV clear");
}

TEST_F(PasskeyTest, ADisabledUsersPasskeySignsNobodyIn) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  ASSERT_TRUE(stores_.users->set_disabled(alice_.id, true).has_value());
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "disabled");
  expect_refused(sign_in(key, PasskeyCeremony::kSecondFactor, alice_.id, alice_.id), "disabled");
}

TEST_F(PasskeyTest, BackupEligibilityCannotChange) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  key.backup_eligible = true;  // section 7.2 step 19
  expect_refused(sign_in(key, PasskeyCeremony::kLogin, std::nullopt), "BE differs");
}

// ---- configuration and failures -----------------------------------------------------------------

TEST_F(PasskeyTest, WithoutAnRpIdTheCeremoniesAreOff) {
  PasskeyService off(stores_.credentials, stores_.users, stores_.counters, audit_, clock_,
                     PasskeyConfig{.ticket_key = kTicketKey});
  EXPECT_FALSE(off.enabled());
  const auto expect_off = [](const Error& e) {
    EXPECT_EQ(e.code, Errc::kNotConfigured);
    EXPECT_NE(e.detail.find("webauthn.rp_id"), std::string::npos) << e.detail;
  };
  expect_off(off.registration_options(alice_).error());
  expect_off(off.register_passkey(alice_, "{}", now()).error());
  expect_off(off.login_options(std::nullopt, PasskeyCeremony::kLogin).error());
  expect_off(off.verify_login("{}", PasskeyCeremony::kLogin, std::nullopt, now()).error());
  EXPECT_TRUE(off.list(alice_).has_value());  // existing passkeys can still be managed
  off.set_relying_party(kRpId, {kOrigin});
  EXPECT_TRUE(off.enabled());
  EXPECT_TRUE(off.registration_options(alice_).has_value());
}

TEST_F(PasskeyTest, ACounterStoreFailureFailsClosed) {
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice_, key);
  PasskeyService down(stores_.credentials, stores_.users, std::make_shared<testing::DownCounters>(),
                      audit_, clock_, config());
  const json assertion =
      key.get(public_key(down.login_options(std::nullopt, PasskeyCeremony::kLogin)));
  auto r = down.verify_login(assertion.dump(), PasskeyCeremony::kLogin, std::nullopt, now());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  TestAuthenticator other(kRpId, kOrigin);
  const json reg = other.create(public_key(down.registration_options(alice_)));
  auto added = down.register_passkey(alice_, reg.dump(), now());
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code, Errc::kUnavailable);
  EXPECT_EQ(service_.list(alice_)->size(), 1u);
}

}  // namespace
}  // namespace tessera::auth
