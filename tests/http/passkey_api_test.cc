// The account's passkeys end to end (api/passkey_handlers.h; SPEC.md "Second factors and
// step-up"): the real `tessera serve` with web.allowed_origins = ["https://app.example.com"]
// (so the RP id defaults to app.example.com), a user who signs in with a password, and a
// software authenticator (webauthn/test_authenticator.h) answering the options the server sends.
// Refusals first: no recent authentication, someone else's passkey, a duplicate credential, a
// forged or used challenge, bad JSON, an oversize body; then the happy path.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"
#include "webauthn/test_authenticator.h"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::Fields;
using tessera::http::testing::Response;
using Browser = tessera::http::testing::SessionBrowser;
using tessera::webauthn::test::TestAuthenticator;

constexpr char kOrigin[] = "https://app.example.com";
constexpr char kRpId[] = "app.example.com";
constexpr char kPassword[] = "correct horse battery staple";

std::string config(const std::string& web_origins, const std::string& step_up_max_age) {
  return "[server]\n"
         "trusted_proxies = [\"127.0.0.1\"]\n"
         "[web]\n"
         "allowed_origins = [" +
         web_origins +
         "]\n"
         "[auth]\n"
         "step_up_max_age = \"" +
         step_up_max_age + "\"\n";
}

class PasskeyApiTest : public ApiServerTest {
 protected:
  explicit PasskeyApiTest(const std::string& toml = config("\"https://app.example.com\"", "10m"))
      : ApiServerTest(toml) {}

  // A user added through the CLI and signed in with a password in `b`.
  void sign_up_and_in(Browser& b, const std::string& email) {
    add_user(email, {}, kPassword);
    Response r = send("POST", "/auth/login",
                      {{"Content-Type", "application/json"}, {"User-Agent", b.user_agent}},
                      json({{"email", email}, {"password", kPassword}}).dump(), b.ip);
    ASSERT_EQ(r.status, 200) << r.body;
    b.take_cookies(r);
  }

  // An unsafe request as the page sends it (Origin, CSRF token, cookies), with a JSON body.
  Response page(const Browser& b, const std::string& method, const std::string& path,
                const std::string& body = {}) {
    Fields h = b.unsafe();
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return send(method, path, h, body, b.ip);
  }

  // The "publicKey" of POST /auth/passkeys/register/options.
  json registration_options(const Browser& b) {
    Response r = page(b, "POST", "/auth/passkeys/register/options", "{}");
    EXPECT_EQ(r.status, 200) << r.body;
    const json doc = r.body_json();
    EXPECT_TRUE(doc.is_object() && doc.contains("publicKey")) << r.body;
    return doc.is_object() ? doc.value("publicKey", json::object()) : json::object();
  }

  Response register_with(const Browser& b, TestAuthenticator& a) {
    return page(b, "POST", "/auth/passkeys/register", a.create(registration_options(b)).dump());
  }

  // Registers a passkey of `a` (asserting 201); its JSON.
  json enroll(const Browser& b, TestAuthenticator& a) {
    Response r = register_with(b, a);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.body_json().value("passkey", json::object());
  }

  json list(const Browser& b) {
    Response r = send("GET", "/auth/passkeys", b.cookies_only(), {}, b.ip);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json().value("passkeys", json::array());
  }

  static void expect_problem(const Response& r, int status, const std::string& detail_part = {}) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
    const json p = r.body_json();
    ASSERT_TRUE(p.is_object()) << r.body;
    EXPECT_NE(p.value("detail", "").find(detail_part), std::string::npos) << r.body;
  }
};

// ---- refusals -----------------------------------------------------------------------------------

TEST_F(PasskeyApiTest, NeedsASignedInCallerAndTheCsrfRule) {
  expect_problem(
      send("POST", "/auth/passkeys/register/options", {{"Content-Type", "application/json"}}, "{}"),
      401);
  expect_problem(send("GET", "/auth/passkeys"), 401);
  expect_problem(send("DELETE", "/auth/passkeys/AAAAAAAAAAAAAAAAAAAAAA"), 401);
  Browser b;
  sign_up_and_in(b, "csrf@example.com");
  // Cookies without the CSRF token: 403 for every unsafe route.
  Fields cookies = b.cookies_only();
  cookies.emplace_back("Content-Type", "application/json");
  cookies.emplace_back("Origin", kOrigin);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/auth/passkeys/register/options"},
           {"POST", "/auth/passkeys/register"},
           {"PATCH", "/auth/passkeys/AAAAAAAAAAAAAAAAAAAAAA"},
           {"DELETE", "/auth/passkeys/AAAAAAAAAAAAAAAAAAAAAA"}}) {
    expect_problem(send(method, path, cookies, "{}", b.ip), 403);
  }
}

TEST_F(PasskeyApiTest, SomeoneElsesPasskeyIsNotFound) {
  Browser alice, mallory;
  sign_up_and_in(alice, "alice@example.com");
  sign_up_and_in(mallory, "mallory@example.com");
  TestAuthenticator key(kRpId, kOrigin);
  const json p = enroll(alice, key);
  const std::string id = p["id"];
  const Response unknown = page(mallory, "DELETE", "/auth/passkeys/AAAAAAAAAAAAAAAAAAAAAA");
  expect_problem(unknown, 404);
  const Response theirs = page(mallory, "DELETE", "/auth/passkeys/" + id);
  expect_problem(theirs, 404);
  EXPECT_EQ(theirs.body, unknown.body);  // indistinguishable
  expect_problem(page(mallory, "PATCH", "/auth/passkeys/" + id, R"({"name":"mine"})"), 404);
  expect_problem(page(mallory, "DELETE", "/auth/passkeys/not-an-id"), 404);
  expect_problem(page(mallory, "DELETE", "/auth/passkeys/" + p["credential_id"].get<std::string>()),
                 404);
  EXPECT_TRUE(list(mallory).empty());
  ASSERT_EQ(list(alice).size(), 1u);
  EXPECT_EQ(list(alice)[0]["name"], "Passkey 1");
}

TEST_F(PasskeyApiTest, ADuplicateCredentialIsAConflict) {
  Browser alice, bob;
  sign_up_and_in(alice, "alice@example.com");
  sign_up_and_in(bob, "bob@example.com");
  TestAuthenticator key(kRpId, kOrigin);
  enroll(alice, key);
  expect_problem(register_with(bob, key), 409, "registered already");
  expect_problem(register_with(alice, key), 409, "registered already");
  EXPECT_TRUE(list(bob).empty());
  EXPECT_EQ(list(alice).size(), 1u);
}

TEST_F(PasskeyApiTest, AForgedOrUsedChallengeIsRefused) {
  Browser alice, bob;
  sign_up_and_in(alice, "alice@example.com");
  sign_up_and_in(bob, "bob@example.com");
  TestAuthenticator key(kRpId, kOrigin);
  // Tampered: one character of the challenge changed.
  const json o = registration_options(alice);
  std::string ticket = TestAuthenticator::unb64(o["challenge"].get<std::string>());
  ticket[3] = ticket[3] == 'A' ? 'B' : 'A';
  expect_problem(page(alice, "POST", "/auth/passkeys/register",
                      key.registration(TestAuthenticator::b64(ticket)).dump()),
                 400, "challenge is invalid or expired");
  // Made up.
  expect_problem(page(alice, "POST", "/auth/passkeys/register",
                      key.registration(TestAuthenticator::b64("made up")).dump()),
                 400, "challenge is invalid or expired");
  // Another user's.
  expect_problem(
      page(alice, "POST", "/auth/passkeys/register", key.create(registration_options(bob)).dump()),
      400, "challenge is invalid or expired");
  // From another origin.
  TestAuthenticator evil(kRpId, "https://evil.example");
  expect_problem(register_with(alice, evil), 400, "not accepted");
  // Used: the same response again, then another credential on the same challenge.
  const std::string response = key.create(registration_options(alice)).dump();
  EXPECT_EQ(page(alice, "POST", "/auth/passkeys/register", response).status, 201);
  TestAuthenticator second(kRpId, kOrigin);
  const json used = json::parse(response);
  const std::string challenge = json::parse(
      TestAuthenticator::unb64(used["response"]["clientDataJSON"].get<std::string>()))["challenge"];
  expect_problem(
      page(alice, "POST", "/auth/passkeys/register", second.registration(challenge).dump()), 400,
      "used already");
  EXPECT_EQ(list(alice).size(), 1u);
}

TEST_F(PasskeyApiTest, BadBodiesAre4xx) {
  Browser b;
  sign_up_and_in(b, "bodies@example.com");
  expect_problem(page(b, "POST", "/auth/passkeys/register", "{"), 400, "malformed");
  expect_problem(page(b, "POST", "/auth/passkeys/register", "[1]"), 400, "malformed");
  expect_problem(page(b, "POST", "/auth/passkeys/register", R"({"id":"AA","rawId":"AA"})"), 400);
  Fields text = b.unsafe();
  text.emplace_back("Content-Type", "text/plain");
  expect_problem(send("POST", "/auth/passkeys/register", text, "{}", b.ip), 415);
  expect_problem(page(b, "POST", "/auth/passkeys/register/options", R"({"x":"1"})"), 400);
  // Over the server's 64 KiB body limit.
  const std::string huge = R"({"id":")" + std::string(70 * 1024, 'A') + R"("})";
  expect_problem(page(b, "POST", "/auth/passkeys/register", huge), 413);
  TestAuthenticator key(kRpId, kOrigin);
  const std::string id = enroll(b, key)["id"];
  for (const std::string& body :
       {std::string(R"({"name":""})"), std::string(R"({"name":"  "})"),
        std::string(R"({"name":"a\u0001"})"), json({{"name", std::string(65, 'x')}}).dump(),
        std::string(R"({"name":1})"), std::string(R"({})"),
        std::string(R"({"name":"a","x":"b"})")}) {
    expect_problem(page(b, "PATCH", "/auth/passkeys/" + id, body), 400);
  }
  EXPECT_EQ(list(b)[0]["name"], "Passkey 1");
}

// ---- the happy path -----------------------------------------------------------------------------

TEST_F(PasskeyApiTest, RegisterListRenameRemove) {
  Browser b;
  sign_up_and_in(b, "happy@example.com");
  EXPECT_TRUE(list(b).empty());
  const json o = registration_options(b);
  EXPECT_EQ(o["rp"]["id"], kRpId);
  EXPECT_EQ(o["rp"]["name"], "Tessera");
  EXPECT_EQ(o["user"]["name"], "happy@example.com");
  EXPECT_EQ(TestAuthenticator::unb64(o["user"]["id"].get<std::string>()).size(), 32u);
  EXPECT_EQ(o["attestation"], "none");
  EXPECT_EQ(o["authenticatorSelection"]["residentKey"], "required");

  TestAuthenticator key(kRpId, kOrigin);
  Response r = page(b, "POST", "/auth/passkeys/register", key.create(o).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const json p = r.body_json()["passkey"];
  EXPECT_EQ(p.size(), 5u) << p.dump();
  EXPECT_EQ(TestAuthenticator::unb64(p["id"].get<std::string>()).size(), 16u);
  EXPECT_EQ(p["credential_id"], TestAuthenticator::b64(key.credential_id));
  EXPECT_EQ(p["name"], "Passkey 1");
  EXPECT_TRUE(p["created_at"].is_number_integer());
  EXPECT_TRUE(p["last_used_at"].is_null());

  TestAuthenticator phone(kRpId, kOrigin, tessera::webauthn::CoseAlg::kEdDSA);
  phone.backup_eligible = phone.backup_state = true;
  const json second = enroll(b, phone);
  EXPECT_EQ(second["name"], "Passkey 2");
  // The next options exclude both.
  const json again = registration_options(b);
  EXPECT_EQ(again["excludeCredentials"].size(), 2u);
  EXPECT_EQ(again["user"]["id"], o["user"]["id"]);

  const json all = list(b);  // oldest first; both may have the same second
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE((all[0] == p && all[1] == second) || (all[0] == second && all[1] == p)) << all;

  const std::string id = p["id"];
  Response renamed = page(b, "PATCH", "/auth/passkeys/" + id, R"({"name":"  YubiKey 5C  "})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  json expected = p;
  expected["name"] = "YubiKey 5C";
  EXPECT_EQ(renamed.body_json()["passkey"], expected);

  Response removed = page(b, "DELETE", "/auth/passkeys/" + id);
  EXPECT_EQ(removed.status, 204) << removed.body;
  expect_problem(page(b, "DELETE", "/auth/passkeys/" + id), 404);
  ASSERT_EQ(list(b).size(), 1u);
  EXPECT_EQ(list(b)[0]["id"], second["id"]);
}

// ---- step-up ------------------------------------------------------------------------------------

// Sensitive actions demand an authentication at most 1 s old, so a test can let one go stale.
// auth.step_up_max_age here: short, to keep the wait short; long enough that the sign-in stays
// recent for the one request made fresh, on a loaded machine under ASan.
constexpr std::int64_t kStepUpMaxAge = 3;

class PasskeyStepUpApiTest : public PasskeyApiTest {
 protected:
  PasskeyStepUpApiTest()
      : PasskeyApiTest(config("\"https://app.example.com\"", std::to_string(kStepUpMaxAge) + "s")) {
  }
};

TEST_F(PasskeyStepUpApiTest, AddingAndRemovingNeedARecentSignIn) {
  Browser b;
  sign_up_and_in(b, "stale@example.com");
  TestAuthenticator key(kRpId, kOrigin);
  const json o = registration_options(b);  // fresh: allowed
  const std::int64_t signed_in =
      send("GET", "/auth/me", b.cookies_only(), {}, b.ip).body_json()["session"]["auth_time"];
  while (std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() <= signed_in + kStepUpMaxAge) {
    std::this_thread::sleep_for(100ms);
  }
  Response stale = page(b, "POST", "/auth/passkeys/register/options", "{}");
  expect_problem(stale, 401);
  EXPECT_EQ(stale.body_json()["error"], "insufficient_user_authentication");
  // Options fetched while fresh still register (the challenge is what was authorized).
  Response r = page(b, "POST", "/auth/passkeys/register", key.create(o).dump());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = r.body_json()["passkey"]["id"];
  // Removing a factor needs a recent sign-in; renaming and listing do not.
  expect_problem(page(b, "DELETE", "/auth/passkeys/" + id), 401);
  EXPECT_EQ(page(b, "PATCH", "/auth/passkeys/" + id, R"({"name":"kept"})").status, 200);
  EXPECT_EQ(list(b).size(), 1u);
}

// ---- passkeys off -------------------------------------------------------------------------------

// No allowed origin is a domain name, and no webauthn.rp_id: passkeys are off.
class PasskeysOffApiTest : public PasskeyApiTest {
 protected:
  PasskeysOffApiTest() : PasskeyApiTest(config("\"https://192.0.2.10\"", "10m")) {}
};

TEST_F(PasskeysOffApiTest, TheEndpointsSaySoClearly) {
  Browser b;
  b.origin = "https://192.0.2.10";
  sign_up_and_in(b, "off@example.com");
  expect_problem(page(b, "POST", "/auth/passkeys/register/options", "{}"), 503,
                 "passkeys are not configured: set webauthn.rp_id");
  TestAuthenticator key("192.0.2.10", "https://192.0.2.10");
  expect_problem(page(b, "POST", "/auth/passkeys/register",
                      key.registration(TestAuthenticator::b64("x")).dump()),
                 503, "passkeys are not configured");
  EXPECT_TRUE(list(b).empty());
}

// ---- signing in with a passkey (api/passkey_login.h)
// ---------------------------------------------

class PasskeyLoginApiTest : public PasskeyApiTest {
 protected:
  // POST /auth/passkeys/login/options with `body`: the publicKey.
  json login_options(const json& body) {
    Response r = send("POST", "/auth/passkeys/login/options",
                      {{"Content-Type", "application/json"}, {"Origin", kOrigin}}, body.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("cache-control"), "no-store");
    return r.body_json().value("publicKey", json::object());
  }
  Response passkey_login(const json& assertion, Browser& b) {
    Response r =
        send("POST", "/auth/passkeys/login",
             {{"Content-Type", "application/json"}, {"Origin", kOrigin}}, assertion.dump(), b.ip);
    b.take_cookies(r);
    return r;
  }
  json me(const Browser& b) {
    Response r = send("GET", "/auth/me", b.cookies_only(), {}, b.ip);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json();
  }
};

TEST_F(PasskeyLoginApiTest, APasskeyAloneSignsInAndEachAssertionWorksOnce) {
  Browser b;
  sign_up_and_in(b, "pk@example.com");
  TestAuthenticator key(kRpId, kOrigin);
  enroll(b, key);

  // Refusals first: another origin, no user verification, a counter that does not move, an
  // unknown credential, a replayed assertion. One bland 401 for all, and no cookie.
  Browser out;
  const json discoverable = login_options(json::object());
  EXPECT_FALSE(discoverable.contains("allowCredentials") &&
               !discoverable["allowCredentials"].empty());
  EXPECT_EQ(discoverable["userVerification"], "required");
  TestAuthenticator elsewhere = key;
  elsewhere.origin = "https://evil.example";
  EXPECT_EQ(passkey_login(elsewhere.get(login_options(json::object())), out).status, 401);
  TestAuthenticator no_uv = key;
  no_uv.user_verified = false;
  EXPECT_EQ(passkey_login(no_uv.get(login_options(json::object())), out).status, 401);
  TestAuthenticator stranger(kRpId, kOrigin);
  EXPECT_EQ(passkey_login(stranger.get(login_options(json::object())), out).status, 401);
  EXPECT_TRUE(out.session.empty());

  const json assertion = key.get(login_options(json::object()));
  Response ok = passkey_login(assertion, out);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(out.session.empty());
  EXPECT_EQ(ok.body_json()["user"]["email"], "pk@example.com");
  const json session = me(out)["session"];
  EXPECT_EQ(session["amr"], json({"hwk", "mfa"}));  // device-bound, user verified
  EXPECT_EQ(session["acr"], "aal2");
  Browser again;
  Response replay = passkey_login(assertion, again);
  EXPECT_EQ(replay.status, 401) << replay.body;
  EXPECT_TRUE(again.session.empty());
  // A cloned authenticator: the counter goes back.
  TestAuthenticator clone = key;
  clone.sign_count = 1;
  EXPECT_EQ(passkey_login(clone.get(login_options(json::object())), again).status, 401);
  EXPECT_EQ(replay.body, passkey_login(stranger.get(login_options(json::object())), again).body);
}

TEST_F(PasskeyLoginApiTest, OptionsByEmailDoNotTellWhichEmailsHavePasskeys) {
  Browser b;
  sign_up_and_in(b, "owner@example.com");
  add_user("nopasskey@example.com", {}, kPassword);
  TestAuthenticator key(kRpId, kOrigin);
  enroll(b, key);
  const json mine = login_options({{"email", "owner@example.com"}});
  ASSERT_EQ(mine["allowCredentials"].size(), 1u);
  EXPECT_EQ(mine["allowCredentials"][0]["id"], TestAuthenticator::b64(key.credential_id));
  json unknown = login_options({{"email", "nobody@example.com"}});
  json without = login_options({{"email", "nopasskey@example.com"}});
  unknown.erase("challenge");
  without.erase("challenge");
  EXPECT_EQ(unknown, without);
  EXPECT_EQ(send("POST", "/auth/passkeys/login/options",
                 {{"Content-Type", "application/json"}, {"Origin", kOrigin}},
                 R"({"email":"a@b.c","mfa_token":"x"})")
                .status,
            400);
  // Options made for one user do not sign in another's passkey.
  TestAuthenticator other(kRpId, kOrigin);
  Browser c;
  sign_up_and_in(c, "other@example.com");
  enroll(c, other);
  Browser out;
  EXPECT_EQ(passkey_login(other.get(mine), out).status, 401);
  EXPECT_TRUE(out.session.empty());
}

TEST_F(PasskeyLoginApiTest, APasskeyIsASecondFactorAfterThePassword) {
  Browser b;
  sign_up_and_in(b, "second@example.com");
  TestAuthenticator key(kRpId, kOrigin);
  enroll(b, key);
  // With a passkey registered, a password alone no longer signs in.
  Response first =
      send("POST", "/auth/login", {{"Content-Type", "application/json"}, {"Origin", kOrigin}},
           json({{"email", "second@example.com"}, {"password", kPassword}}).dump());
  ASSERT_EQ(first.status, 401) << first.body;
  EXPECT_EQ(first.body_json()["error"], "mfa_required");
  EXPECT_EQ(first.body_json()["methods"], json({"webauthn"}));
  const std::string token = first.body_json()["mfa_token"];
  const json options = login_options({{"mfa_token", token}});
  ASSERT_EQ(options["allowCredentials"].size(), 1u);
  // A forged token gets no options.
  EXPECT_EQ(send("POST", "/auth/passkeys/login/options",
                 {{"Content-Type", "application/json"}, {"Origin", kOrigin}},
                 json({{"mfa_token", token + "x"}}).dump())
                .status,
            401);
  // Another user's passkey is refused as a wrong code.
  Browser c;
  sign_up_and_in(c, "stranger@example.com");
  TestAuthenticator theirs(kRpId, kOrigin);
  enroll(c, theirs);
  Browser out;
  const auto finish = [&](const json& assertion) {
    Response r =
        send("POST", "/auth/login/mfa", {{"Content-Type", "application/json"}, {"Origin", kOrigin}},
             json({{"mfa_token", token}, {"webauthn", assertion}}).dump(), out.ip);
    out.take_cookies(r);
    return r;
  };
  Response wrong = finish(theirs.get(options));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body_json()["error"], "invalid_code");
  // The right one, without user verification (a second factor does not need it).
  key.user_verified = false;
  Response done = finish(key.get(login_options({{"mfa_token", token}})));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(me(out)["session"]["amr"], json({"pwd", "hwk", "mfa"}));
}

}  // namespace
