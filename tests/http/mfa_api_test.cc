// Second factors end to end (issue 17; SPEC.md "Second factors and step-up"): TOTP enrolment
// and its QR code, the two-step login on /auth/login and /auth/token, recovery codes, the login
// rate limit over wrong codes, auth.require_mfa_roles, step-up with a code, and one code
// accepted once across two server nodes. The real `tessera serve` on SQLite, and on PostgreSQL +
// Redis (TESSERA_TEST_BACKEND; tests/http/CMakeLists.txt). The test computes codes the way an
// authenticator app does (RFC 6238 with the secret the enrolment answer shows).
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"
#include "base/base32.h"
#include "crypto/otp.h"
#include "tessera_process.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::announced_port;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::Fields;
using tessera::http::testing::request;
using tessera::http::testing::Response;
using tessera::http::testing::TesseraProcess;
using Browser = tessera::http::testing::SessionBrowser;

constexpr char kPassword[] = "correct horse battery staple";
constexpr char kJson[] = "application/json";

// The code an authenticator app shows for `secret_b32` at `offset` seconds from now.
std::string totp_code(const std::string& secret_b32, std::int64_t offset = 0) {
  auto raw = tessera::base::base32_decode(secret_b32);
  EXPECT_TRUE(raw.has_value());
  auto code = tessera::crypto::totp(raw.value_or(""), std::time(nullptr) + offset);
  EXPECT_TRUE(code.has_value());
  return code.value_or("");
}

std::string other_than(const std::string& code) { return code == "000000" ? "000001" : "000000"; }

class MfaApiTest : public ApiServerTest {
 protected:
  MfaApiTest()
      : ApiServerTest(
            "[server]\n"
            "trusted_proxies = [\"127.0.0.1\"]\n"
            "[web]\n"
            "allowed_origins = [\"https://app.example.com\"]\n"
            "[auth]\n"
            "require_mfa_roles = [\"admin\"]\n"
            "totp_issuer = \"Tessera Test\"\n"
            "step_up_max_age = \"3s\"\n"
            "[rate_limit]\n"
            "ip_failures = 40\n") {}

  Response post(const std::string& path, const json& body, const std::string& ip = "10.0.0.1",
                Fields extra = {}) {
    extra.emplace_back("Content-Type", kJson);
    return send("POST", path, extra, body.dump(), ip);
  }

  // A password login of `b`: the answer (200, or 401 mfa_required), cookies taken.
  Response password_login(Browser& b, const std::string& email) {
    Response r = post("/auth/login", {{"email", email}, {"password", kPassword}}, b.ip,
                      {{"User-Agent", b.user_agent}, {"Origin", b.origin}});
    b.take_cookies(r);
    return r;
  }

  Response second_step(Browser& b, const json& body, const std::string& path = "/auth/login/mfa") {
    Response r = post(path, body, b.ip, {{"User-Agent", b.user_agent}, {"Origin", b.origin}});
    b.take_cookies(r);
    return r;
  }

  Response unsafe(Browser& b, const std::string& method, const std::string& path,
                  const json& body = json::object()) {
    Fields f = b.unsafe();
    f.emplace_back("Content-Type", kJson);
    Response r = send(method, path, f, body.dump(), b.ip);
    b.take_cookies(r);
    return r;
  }

  json me(Browser& b) {
    Response r = send("GET", "/auth/me", b.cookies_only(), "", b.ip);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json();
  }

  // Enrols and confirms TOTP for the signed-in `b`; returns {secret, recovery codes}.
  std::pair<std::string, std::vector<std::string>> enable_totp(Browser& b) {
    Response e = unsafe(b, "POST", "/auth/mfa/totp/enroll");
    EXPECT_EQ(e.status, 200) << e.body;
    const std::string secret = e.body_json().value("secret", "");
    Response c = unsafe(b, "POST", "/auth/mfa/totp/confirm", {{"code", totp_code(secret)}});
    EXPECT_EQ(c.status, 200) << c.body;
    return {secret, c.body_json().value("recovery_codes", std::vector<std::string>{})};
  }

  static void expect_problem(const Response& r, int status, const std::string& error,
                             const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << what;
    EXPECT_EQ(r.body_json().value("error", ""), error) << what << ": " << r.body;
  }
};

TEST_F(MfaApiTest, EnrolConfirmAndTheTwoStepLoginOnBothEndpoints) {
  add_user("alice@example.com", {}, kPassword);
  Browser b;
  ASSERT_EQ(password_login(b, "alice@example.com").status, 200);

  // Enrolment: the secret (160 bits or more), the otpauth URI with the issuer, an inert SVG.
  Response e = unsafe(b, "POST", "/auth/mfa/totp/enroll");
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_EQ(e.header("cache-control"), "no-store");
  const json en = e.body_json();
  const std::string secret = en["secret"];
  EXPECT_GE(tessera::base::base32_decode(secret).value_or("").size() * 8, 160u);
  const std::string uri = en["otpauth_uri"];
  EXPECT_EQ(uri.rfind("otpauth://totp/Tessera%20Test:alice%40example.com?", 0), 0u) << uri;
  EXPECT_NE(uri.find("issuer=Tessera%20Test"), std::string::npos) << uri;
  const std::string svg = en["qr_svg"];
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("javascript:"), std::string::npos);
  EXPECT_FALSE(std::regex_search(svg, std::regex(R"(\son[a-zA-Z]+\s*=)"))) << "event handler";
  // Pending is not on: a password still signs in alone.
  Browser pending;
  EXPECT_EQ(password_login(pending, "alice@example.com").status, 200);

  // Confirm: a wrong code is refused; the right one turns TOTP on, hands out 10 distinct
  // recovery codes once, and renews the session with otp + mfa.
  expect_problem(
      unsafe(b, "POST", "/auth/mfa/totp/confirm", {{"code", other_than(totp_code(secret))}}), 401,
      "invalid_code", "wrong confirmation code");
  const std::string old_session = b.session;
  Response c = unsafe(b, "POST", "/auth/mfa/totp/confirm", {{"code", totp_code(secret)}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.header("cache-control"), "no-store");
  const std::vector<std::string> codes = c.body_json()["recovery_codes"];
  EXPECT_EQ(codes.size(), 10u);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10u);
  EXPECT_NE(b.session, old_session);
  EXPECT_EQ(me(b)["session"]["amr"], json({"pwd", "otp", "mfa"}));
  Response st = send("GET", "/auth/mfa", b.cookies_only());
  ASSERT_EQ(st.status, 200);
  EXPECT_EQ(st.body_json()["totp"]["enabled"], true);
  EXPECT_EQ(st.body_json()["recovery_codes_remaining"], 10);

  // The first step: 401 mfa_required, no cookie, the token and the methods.
  Browser b2;
  Response first = password_login(b2, "alice@example.com");
  expect_problem(first, 401, "mfa_required", "password alone");
  EXPECT_TRUE(b2.session.empty());
  EXPECT_TRUE(first.all("set-cookie").empty());
  const json f = first.body_json();
  EXPECT_EQ(f["mfa_required"], true);
  EXPECT_EQ(f["methods"], json({"totp", "recovery_code"}));
  const std::string token = f["mfa_token"];

  // The second step: a wrong code, a malformed body, then the right code (the next step's: the
  // confirmation used this one).
  expect_problem(second_step(b2, {{"mfa_token", token}, {"totp", "123"}}), 401, "invalid_code",
                 "malformed code");
  EXPECT_EQ(second_step(b2, {{"mfa_token", token}}).status, 400);
  EXPECT_EQ(second_step(b2, {{"mfa_token", token}, {"totp", "1"}, {"recovery_code", "2"}}).status,
            400);
  EXPECT_EQ(second_step(b2, {{"mfa_token", token}, {"webauthn", 5}}).status, 400);
  Response done = second_step(b2, {{"mfa_token", token}, {"totp", totp_code(secret, 30)}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_FALSE(b2.session.empty());
  const json m = me(b2)["session"];
  EXPECT_EQ(m["amr"], json({"pwd", "otp", "mfa"}));
  EXPECT_EQ(m["acr"], "aal2");
  // The token is spent; the code too (the same code in its step, one-call form).
  expect_problem(second_step(b2, {{"mfa_token", token}, {"recovery_code", codes[0]}}), 401,
                 "invalid_mfa_token", "spent token");
  expect_problem(post("/auth/login", {{"email", "alice@example.com"},
                                      {"password", kPassword},
                                      {"totp", totp_code(secret, 30)}}),
                 401, "invalid_code", "replayed code, one-call form");

  // /auth/token: the same first step; /auth/token/mfa with a recovery code gives tokens whose
  // claims carry the methods.
  Response t1 = post("/auth/token", {{"email", "alice@example.com"}, {"password", kPassword}});
  expect_problem(t1, 401, "mfa_required", "token endpoint");
  Response t2 = post("/auth/token/mfa",
                     {{"mfa_token", t1.body_json()["mfa_token"]}, {"recovery_code", codes[0]}});
  ASSERT_EQ(t2.status, 200) << t2.body;
  const std::string access = t2.body_json()["access_token"];
  Response tm = send("GET", "/auth/me", {{"Authorization", "Bearer " + access}});
  ASSERT_EQ(tm.status, 200) << tm.body;
  EXPECT_EQ(tm.body_json()["session"]["amr"], json({"pwd", "otp", "mfa"}));
  Response v = send("GET", "/auth/verify", {{"Authorization", "Bearer " + access}});
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.header("x-amr"), "pwd,otp,mfa");
  // A recovery code works once.
  Response t3 = post("/auth/token", {{"email", "alice@example.com"}, {"password", kPassword}});
  expect_problem(post("/auth/token/mfa",
                      {{"mfa_token", t3.body_json()["mfa_token"]}, {"recovery_code", codes[0]}}),
                 401, "invalid_code", "used recovery code");
}

TEST_F(MfaApiTest, WrongCodesLockTheAccountAndACorrectCodeIsRefusedDuringTheLockout) {
  add_user("bob@example.com", {}, kPassword);
  Browser b;
  ASSERT_EQ(password_login(b, "bob@example.com").status, 200);
  auto [secret, codes] = enable_totp(b);
  Browser other;
  Response first = password_login(other, "bob@example.com");
  ASSERT_EQ(first.status, 401);
  const std::string token = first.body_json()["mfa_token"];
  const std::string wrong = other_than(totp_code(secret, 30));
  for (int i = 0; i < 5; ++i) {
    expect_problem(second_step(other, {{"mfa_token", token}, {"totp", wrong}}), 401, "invalid_code",
                   "wrong code " + std::to_string(i));
  }
  Response locked = second_step(other, {{"mfa_token", token}, {"totp", totp_code(secret, 30)}});
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_FALSE(locked.header("retry-after").empty());
  EXPECT_EQ(second_step(other, {{"mfa_token", token}, {"recovery_code", codes[1]}}).status, 429);
  EXPECT_TRUE(other.session.empty());
}

TEST_F(MfaApiTest, RequiredRolesMustEnrolBeforeAnythingElseAndStepUpTakesTheCode) {
  add_user("root@example.com", {"admin"}, kPassword);
  Browser b;
  ASSERT_EQ(password_login(b, "root@example.com").status, 200);
  // Everything but enrolment is closed.
  expect_problem(send("GET", "/auth/sessions", b.cookies_only()), 403, "mfa_enrollment_required",
                 "sessions before enrolment");
  expect_problem(send("GET", "/admin/audit", b.cookies_only()), 403, "mfa_enrollment_required",
                 "admin before enrolment");
  expect_problem(send("GET", "/auth/verify", b.cookies_only()), 403, "mfa_enrollment_required",
                 "the gateway before enrolment");
  EXPECT_EQ(send("GET", "/auth/me", b.cookies_only()).status, 200);
  EXPECT_EQ(send("GET", "/auth/mfa", b.cookies_only()).status, 200);
  auto [secret, codes] = enable_totp(b);
  EXPECT_EQ(send("GET", "/auth/sessions", b.cookies_only()).status, 200);
  EXPECT_EQ(send("GET", "/auth/verify", b.cookies_only()).status, 200);

  // Sensitive actions after auth.step_up_max_age (3 s): removing TOTP needs a step-up, and with
  // TOTP on a password alone cannot step up.
  std::this_thread::sleep_for(std::chrono::milliseconds(4200));
  expect_problem(unsafe(b, "DELETE", "/auth/mfa/totp"), 401, "insufficient_user_authentication",
                 "stale removal");
  expect_problem(unsafe(b, "POST", "/auth/mfa/recovery-codes"), 401,
                 "insufficient_user_authentication", "stale regeneration");
  EXPECT_EQ(unsafe(b, "POST", "/auth/step-up", {{"password", kPassword}}).status, 400);
  expect_problem(unsafe(b, "POST", "/auth/step-up",
                        {{"password", kPassword}, {"totp", other_than(totp_code(secret, 30))}}),
                 401, "invalid_code", "step-up, wrong code");
  Response up =
      unsafe(b, "POST", "/auth/step-up", {{"password", kPassword}, {"recovery_code", codes[4]}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.body_json()["amr"], json({"pwd", "otp", "mfa"}));
  Response fresh = unsafe(b, "POST", "/auth/mfa/recovery-codes");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.body_json()["recovery_codes"].size(), 10u);
  EXPECT_EQ(unsafe(b, "DELETE", "/auth/mfa/totp").status, 204);
  // Off: a password alone signs in again, and that one-factor sign-in is bound to enrol. (The
  // session that proved two factors keeps its standing.)
  Browser again;
  EXPECT_EQ(password_login(again, "root@example.com").status, 200);
  expect_problem(send("GET", "/auth/sessions", again.cookies_only()), 403,
                 "mfa_enrollment_required", "after removal");
}

TEST_F(MfaApiTest, OneCodeIsAcceptedOnceAcrossTwoNodes) {
  add_user("carol@example.com", {}, kPassword);
  Browser b;
  ASSERT_EQ(password_login(b, "carol@example.com").status, 200);
  auto [secret, codes] = enable_totp(b);
  // A second node on the same stores and master key.
  TesseraProcess node_b({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_.string(),
                         "--config", config_.string(), "--threads", "1"},
                        TesseraProcess::Stderr::kDiscard);
  const std::uint16_t port_b = announced_port(node_b.first_line().value_or(""));
  ASSERT_NE(port_b, 0);
  const auto first_step = [&](std::uint16_t port) {
    auto r = request(port, "POST", "/auth/token", {{"Content-Type", kJson}},
                     json({{"email", "carol@example.com"}, {"password", kPassword}}).dump(),
                     "10.0.0.7", std::chrono::seconds(30));
    EXPECT_TRUE(r.has_value());
    return r ? r->body_json().value("mfa_token", "") : std::string();
  };
  const std::string token_a = first_step(port_);
  const std::string token_b = first_step(port_b);
  const std::string code = totp_code(secret, 30);
  const auto finish = [&](std::uint16_t port, const std::string& token) {
    auto r = request(port, "POST", "/auth/token/mfa", {{"Content-Type", kJson}},
                     json({{"mfa_token", token}, {"totp", code}}).dump(), "10.0.0.7",
                     std::chrono::seconds(30));
    return r ? r->status : 0;
  };
  auto on_a = std::async(std::launch::async, finish, port_, token_a);
  auto on_b = std::async(std::launch::async, finish, port_b, token_b);
  const int a = on_a.get();
  const int b_status = on_b.get();
  EXPECT_EQ((a == 200) + (b_status == 200), 1) << a << " " << b_status;
  EXPECT_EQ((a == 401) + (b_status == 401), 1) << a << " " << b_status;
}

}  // namespace
