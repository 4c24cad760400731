// The account lifecycle end to end through real mail (issue 18; SPEC.md "Email" and the
// signup / verify / forgot / reset rows of "HTTP API"): the real `tessera serve` sends through
// a real SMTP server (tests/mail/smtp_sink.py on aiosmtpd), and every link is taken from the
// mail that arrived. On SQLite, and on PostgreSQL + Redis (TESSERA_TEST_BACKEND).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "api_client.h"
#include "smtp_sink.h"
#include "tessera_process.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::Fields;
using tessera::http::testing::Response;
using tessera::mail::testing::SmtpSink;
using Browser = tessera::http::testing::SessionBrowser;

constexpr char kPassword[] = "correct horse battery staple";
constexpr char kNewPassword[] = "a brand new password of mine";
constexpr char kPublicUrl[] = "https://id.example.com";

// One sink per test process (ctest runs each test in its own), started before the server that
// sends to it.
SmtpSink& sink() {
  static SmtpSink s;
  return s;
}

std::string config(bool with_mail) {
  std::string toml =
      "[server]\n"
      "trusted_proxies = [\"127.0.0.1\"]\n"
      "public_url = \"" +
      std::string(kPublicUrl) +
      "\"\n"
      "[web]\n"
      "allowed_origins = [\"https://app.example.com\"]\n"
      "[auth]\n"
      "open_signup = true\n"
      "[rate_limit]\n"
      "mail_email = 3\n"
      "mail_ip = 20\n";
  if (with_mail) {
    toml += "[email]\nsmtp_url = \"" + sink().url() +
            "\"\nfrom = \"no-reply@example.com\"\nfrom_name = \"Tessera Test\"\n";
  }
  return toml;
}

// The token of the first link to `path` in a mail's text part.
std::string link_token(const json& mail, const std::string& path) {
  const std::string text = mail.value("text", "");
  std::smatch m;
  const std::regex link(std::string(kPublicUrl) + path + R"(\?token=([A-Za-z0-9_-]+))");
  if (!std::regex_search(text, m, link)) return {};
  return m[1].str();
}

class AccountApiTest : public ApiServerTest {
 protected:
  AccountApiTest() : ApiServerTest(config(/*with_mail=*/true)) {}

  void SetUp() override {
    ASSERT_TRUE(sink().ok()) << "the SMTP sink did not start";
    ApiServerTest::SetUp();
  }

  Response post(const std::string& path, const json& body, Fields extra = {},
                const std::string& ip = "10.0.0.1") {
    extra.emplace_back("Content-Type", "application/json");
    extra.emplace_back("Origin", "https://app.example.com");
    return send("POST", path, extra, body.dump(), ip);
  }

  Response login(Browser& b, const std::string& email, const std::string& password) {
    Response r = post("/auth/login", {{"email", email}, {"password", password}},
                      {{"User-Agent", b.user_agent}}, b.ip);
    b.take_cookies(r);
    return r;
  }

  // The mails to `to`, once there are `n` (a deadline only against a hang).
  std::vector<json> mails_to(const std::string& to, std::size_t n) {
    for (int i = 0; i < 300 && sink().messages_to(to).size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return sink().messages_to(to);
  }
};

TEST_F(AccountApiTest, ForgotAndResetEndToEndThroughTheMail) {
  add_user("alice@example.com", {}, kPassword);
  Browser before;
  ASSERT_EQ(login(before, "alice@example.com", kPassword).status, 200);

  // Host-header poisoning: the link is built from server.public_url only.
  Response forgot = post("/auth/password/forgot", {{"email", "alice@example.com"}},
                         {{"X-Forwarded-Host", "evil.example"},
                          {"Forwarded", "host=evil.example;proto=https"}});
  ASSERT_EQ(forgot.status, 202) << forgot.body;
  auto mails = mails_to("alice@example.com", 1);
  ASSERT_EQ(mails.size(), 1U);
  const json& mail = mails[0];
  EXPECT_EQ(mail["mail_from"], "no-reply@example.com");
  EXPECT_EQ(mail["rcpt_tos"], json::array({"alice@example.com"}));
  EXPECT_EQ(mail["headers"]["To"], "alice@example.com");
  EXPECT_NE(mail["headers"]["From"].get<std::string>().find("no-reply@example.com"),
            std::string::npos);
  EXPECT_FALSE(mail["headers"]["Message-ID"].get<std::string>().empty());
  EXPECT_FALSE(mail["headers"]["Date"].get<std::string>().empty());
  EXPECT_TRUE(mail["defects"].empty()) << mail["defects"];
  EXPECT_NE(mail["text"].get<std::string>().find("30 minutes"), std::string::npos);
  EXPECT_EQ(mail["text"].get<std::string>().find("evil.example"), std::string::npos);
  const std::string token = link_token(mail, "/reset-password");
  ASSERT_EQ(token.size(), 43U) << mail["text"];
  EXPECT_EQ(mail["headers"]["Subject"].get<std::string>().find(token), std::string::npos);

  // Opening the link shows a page and uses nothing up.
  Response page = send("GET", "/reset-password?token=" + token);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("referrer-policy"), "no-referrer");
  // A password the policy refuses leaves the link usable.
  Response weak = post("/auth/password/reset", {{"token", token}, {"new_password", "short"}});
  EXPECT_EQ(weak.status, 422) << weak.body;

  Response reset = post("/auth/password/reset", {{"token", token}, {"new_password", kNewPassword}});
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_TRUE(reset.all("set-cookie").empty());  // no login: the user signs in next
  EXPECT_EQ(reset.body_json()["status"], "password_changed");
  EXPECT_FALSE(reset.body_json().contains("access_token"));

  // Every earlier session ended; the new password works, the old one does not.
  EXPECT_EQ(send("GET", "/auth/me", before.cookies_only()).status, 401);
  Browser after;
  EXPECT_EQ(login(after, "alice@example.com", kPassword).status, 401);
  Response ok = login(after, "alice@example.com", kNewPassword);
  ASSERT_EQ(ok.status, 200);
  // The link reached the mailbox: the address is verified now.
  EXPECT_EQ(ok.body_json()["user"]["email_verified"], true);

  // Used once.
  Response again =
      post("/auth/password/reset", {{"token", token}, {"new_password", "yet another password"}});
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.body_json()["error"], "invalid_link");
  // The notice follows by mail.
  mails = mails_to("alice@example.com", 2);
  ASSERT_EQ(mails.size(), 2U);
  EXPECT_NE(mails[1]["headers"]["Subject"].get<std::string>().find("password was changed"),
            std::string::npos);
}

TEST_F(AccountApiTest, ForgotLooksTheSameForKnownAndUnknownAddresses) {
  add_user("bob@example.com", {}, kPassword);
  Response unknown = post("/auth/password/forgot", {{"email", "nobody@example.com"}});
  Response known = post("/auth/password/forgot", {{"email", "bob@example.com"}});
  EXPECT_EQ(unknown.status, 202);
  EXPECT_EQ(known.status, 202);
  EXPECT_EQ(unknown.body, known.body);
  ASSERT_EQ(mails_to("bob@example.com", 1).size(), 1U);
  EXPECT_TRUE(sink().messages_to("nobody@example.com").empty());

  // Malformed input is a 4xx, never a 202.
  EXPECT_EQ(post("/auth/password/forgot", {{"email", "not an address"}}).status, 400);
  EXPECT_EQ(
      send("POST", "/auth/password/forgot", {{"Content-Type", "application/json"}}, "{\"email\":")
          .status,
      400);

  // The per-address limit (3 here) bites known and unknown addresses alike.
  for (const std::string address : {"bob@example.com", "nobody@example.com"}) {
    int limited = 0;
    for (int i = 0; i < 4; ++i) {
      Response r = post("/auth/password/forgot", {{"email", address}});
      if (r.status == 429) {
        ++limited;
        EXPECT_FALSE(r.header("retry-after").empty());
      } else {
        EXPECT_EQ(r.status, 202);
      }
    }
    EXPECT_EQ(limited, 2) << address;  // requests 4 and 5 (the first was counted above)
  }
}

TEST_F(AccountApiTest, AResetKillsEveryOlderLink) {
  add_user("carol@example.com", {}, kPassword);
  ASSERT_EQ(post("/auth/password/forgot", {{"email", "carol@example.com"}}).status, 202);
  ASSERT_EQ(mails_to("carol@example.com", 1).size(), 1U);
  ASSERT_EQ(post("/auth/password/forgot", {{"email", "carol@example.com"}}).status, 202);
  auto mails = mails_to("carol@example.com", 2);
  ASSERT_EQ(mails.size(), 2U);
  const std::string first = link_token(mails[0], "/reset-password");
  const std::string second = link_token(mails[1], "/reset-password");
  ASSERT_FALSE(first.empty());
  EXPECT_NE(first, second);
  ASSERT_EQ(
      post("/auth/password/reset", {{"token", second}, {"new_password", kNewPassword}}).status,
      200);
  Response old = post("/auth/password/reset", {{"token", first}, {"new_password", kNewPassword}});
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(old.body_json()["error"], "invalid_link");
  // Garbage is refused the same way.
  EXPECT_EQ(post("/auth/password/reset", {{"token", "garbage"}, {"new_password", kNewPassword}})
                .body_json()["error"],
            "invalid_link");
}

TEST_F(AccountApiTest, SignupMailsAVerificationLinkAndTheOwnerOfATakenAddressANotice) {
  Response created = post("/auth/signup", {{"email", "dana@example.com"}, {"password", kPassword}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto mails = mails_to("dana@example.com", 1);
  ASSERT_EQ(mails.size(), 1U);
  const std::string token = link_token(mails[0], "/verify-email");
  ASSERT_EQ(token.size(), 43U) << mails[0]["text"];

  Browser b;
  Response in = login(b, "dana@example.com", kPassword);  // unverified accounts can log in
  ASSERT_EQ(in.status, 200);
  EXPECT_EQ(in.body_json()["user"]["email_verified"], false);
  // Opening the link changes nothing; the POST does, once.
  EXPECT_EQ(send("GET", "/verify-email?token=" + token).status, 200);
  EXPECT_EQ(send("GET", "/auth/me", b.cookies_only()).body_json()["user"]["email_verified"], false);
  Response verified = post("/auth/email/verify", {{"token", token}});
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(verified.body_json()["email_verified"], true);
  EXPECT_EQ(send("GET", "/auth/me", b.cookies_only()).body_json()["user"]["email_verified"], true);
  EXPECT_EQ(post("/auth/email/verify", {{"token", token}}).body_json()["error"], "invalid_link");

  // A taken address: the same answer, no second account, a notice to its owner.
  Response taken = post(
      "/auth/signup", {{"email", "dana@example.com"}, {"password", "x" + std::string(kPassword)}});
  EXPECT_EQ(taken.status, 201);
  EXPECT_EQ(taken.body, created.body);
  mails = mails_to("dana@example.com", 2);
  ASSERT_EQ(mails.size(), 2U);
  EXPECT_NE(mails[1]["headers"]["Subject"].get<std::string>().find("tried to sign up"),
            std::string::npos);
  EXPECT_TRUE(link_token(mails[1], "/verify-email").empty());
  EXPECT_EQ(login(b, "dana@example.com", kPassword).status, 200);  // the account is unchanged
}

TEST_F(AccountApiTest, ResendSendsANewLinkToTheSignedInUser) {
  add_user("erin@example.com", {}, kPassword);
  Browser b;
  ASSERT_EQ(login(b, "erin@example.com", kPassword).status, 200);
  EXPECT_EQ(send("POST", "/auth/email/resend", b.cookies_only()).status, 403);  // CSRF
  Response sent = send("POST", "/auth/email/resend", b.unsafe());
  ASSERT_EQ(sent.status, 202) << sent.body;
  auto mails = mails_to("erin@example.com", 1);
  ASSERT_EQ(mails.size(), 1U);
  const std::string token = link_token(mails[0], "/verify-email");
  ASSERT_EQ(post("/auth/email/verify", {{"token", token}}).status, 200);
  EXPECT_EQ(send("POST", "/auth/email/resend").status, 401);  // signed out
}

// Without email.smtp_url the flows that need mail say so; sign-up still works.
class NoMailAccountApiTest : public ApiServerTest {
 protected:
  NoMailAccountApiTest() : ApiServerTest(config(/*with_mail=*/false)) {}
};

TEST_F(NoMailAccountApiTest, FlowsThatNeedMailSayItIsNotSetUp) {
  Response forgot =
      send("POST", "/auth/password/forgot",
           {{"Content-Type", "application/json"}, {"Origin", "https://app.example.com"}},
           R"({"email":"x@example.com"})");
  EXPECT_EQ(forgot.status, 503);
  EXPECT_NE(forgot.body_json()["detail"].get<std::string>().find("email is not set up"),
            std::string::npos);
  Response signup =
      send("POST", "/auth/signup",
           {{"Content-Type", "application/json"}, {"Origin", "https://app.example.com"}},
           json{{"email", "fay@example.com"}, {"password", kPassword}}.dump());
  EXPECT_EQ(signup.status, 201);
}

}  // namespace
