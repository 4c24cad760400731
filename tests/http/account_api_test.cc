// The account lifecycle end to end through real mail (issue 18; SPEC.md "Email" and the
// signup / verify / forgot / reset rows of "HTTP API"): the real `tessera serve` sends through
// a real SMTP server (tests/mail/smtp_sink.py on aiosmtpd), and every link is taken from the
// mail that arrived. On SQLite, and on PostgreSQL + Redis (TESSERA_TEST_BACKEND).
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api_client.h"
#include "smtp_sink.h"
#include "tessera_process.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::announced_port;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::Fields;
using tessera::http::testing::Response;
using tessera::http::testing::TesseraProcess;
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

std::string config(bool with_mail, bool verified_only = false, const std::string& smtp_url = {},
                   const std::string& auth_extra = {}) {
  std::string toml =
      "[server]\n"
      "trusted_proxies = [\"127.0.0.1\"]\n"
      "public_url = \"" +
      std::string(kPublicUrl) +
      "\"\n"
      "[web]\n"
      "allowed_origins = [\"https://app.example.com\"]\n"
      "[auth]\n"
      "open_signup = true\n" +
      std::string(verified_only ? "require_verified_email = true\n" : "") + auth_extra +
      "[rate_limit]\n"
      "mail_email = 3\n"
      "mail_ip = 20\n";
  if (with_mail) {
    toml += "[email]\nsmtp_url = \"" + (smtp_url.empty() ? sink().url() : smtp_url) +
            "\"\nfrom = \"no-reply@example.com\"\nfrom_name = \"Tessera Test\"\n"
            "retry_backoff = \"1s\"\n";
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
  explicit AccountApiTest(const std::string& toml = config(/*with_mail=*/true))
      : ApiServerTest(toml) {}

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
  Response forgot =
      post("/auth/password/forgot", {{"email", "alice@example.com"}},
           {{"X-Forwarded-Host", "evil.example"}, {"Forwarded", "host=evil.example;proto=https"}});
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
  // The token goes to no other site (same-origin: the form without JavaScript must name its
  // origin, which no-referrer would turn into "null").
  EXPECT_EQ(page.header("referrer-policy"), "same-origin");
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

TEST_F(AccountApiTest, ANewDeviceIsMailedOnceAndTheFirstSignInIsNot) {
  add_user("gus@example.com", {}, kPassword);
  Browser laptop;
  ASSERT_EQ(login(laptop, "gus@example.com", kPassword).status, 200);  // the first: no news
  Browser phone;
  phone.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1";
  phone.ip = "10.7.7.7";
  ASSERT_EQ(login(phone, "gus@example.com", kPassword).status, 200);
  auto mails = mails_to("gus@example.com", 1);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_NE(mails[0]["headers"]["Subject"].get<std::string>().find("New sign-in"),
            std::string::npos);
  EXPECT_NE(mails[0]["text"].get<std::string>().find("iPhone"), std::string::npos);
  EXPECT_NE(mails[0]["text"].get<std::string>().find(std::string(kPublicUrl) + "/account"),
            std::string::npos);
  // Known devices again: nothing more. The laptop's mail would come before anything else the
  // test waits for, so one more sign-in and a mail that does arrive (a reset) settle it.
  ASSERT_EQ(login(phone, "gus@example.com", kPassword).status, 200);
  ASSERT_EQ(login(laptop, "gus@example.com", kPassword).status, 200);
  ASSERT_EQ(post("/auth/password/forgot", {{"email", "gus@example.com"}}).status, 202);
  mails = mails_to("gus@example.com", 2);
  ASSERT_EQ(mails.size(), 2U);
  EXPECT_NE(mails[1]["headers"]["Subject"].get<std::string>().find("Reset"), std::string::npos);
}

TEST_F(AccountApiTest, AnEmailChangeTakesEffectOnlyThroughTheLinkToTheNewAddress) {
  add_user("ivy@example.com", {}, kPassword);
  add_user("jon@example.com", {}, kPassword);
  Browser b;
  ASSERT_EQ(login(b, "ivy@example.com", kPassword).status, 200);
  Fields unsafe = b.unsafe();
  unsafe.emplace_back("Content-Type", "application/json");
  EXPECT_EQ(send("POST", "/auth/email/change", unsafe, R"({"new_email":"not an address"})").status,
            400);
  EXPECT_EQ(send("POST", "/auth/email/change", unsafe, R"({"new_email":"IVY@example.com"})").status,
            400);  // the current address
  // An address with an account: the same answer, and no link goes anywhere.
  Response taken = send("POST", "/auth/email/change", unsafe, R"({"new_email":"jon@example.com"})");
  Response fresh =
      send("POST", "/auth/email/change", unsafe, R"({"new_email":"ivy2@example.com"})");
  ASSERT_EQ(fresh.status, 202) << fresh.body;
  EXPECT_EQ(taken.status, 202);
  EXPECT_EQ(taken.body, fresh.body);
  auto to_new = mails_to("ivy2@example.com", 1);
  ASSERT_EQ(to_new.size(), 1U);
  auto to_old = mails_to("ivy@example.com", 1);
  ASSERT_EQ(to_old.size(), 1U);
  EXPECT_NE(to_old[0]["text"].get<std::string>().find("ivy2@example.com"), std::string::npos);
  EXPECT_TRUE(link_token(to_old[0], "/confirm-email-change").empty());  // no link to the old one
  EXPECT_TRUE(sink().messages_to("jon@example.com").empty());
  // Until the link is used, the login address is the old one.
  EXPECT_EQ(login(b, "ivy@example.com", kPassword).status, 200);
  const std::string token = link_token(to_new[0], "/confirm-email-change");
  ASSERT_EQ(token.size(), 43U);
  EXPECT_EQ(send("GET", "/confirm-email-change?token=" + token).status, 200);  // changes nothing
  EXPECT_EQ(login(b, "ivy2@example.com", kPassword).status, 401);
  Response confirmed = post("/auth/email/change/confirm", {{"token", token}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(confirmed.body_json()["email"], "ivy2@example.com");
  EXPECT_EQ(confirmed.body_json()["email_verified"], true);
  EXPECT_EQ(login(b, "ivy@example.com", kPassword).status, 401);
  EXPECT_EQ(login(b, "ivy2@example.com", kPassword).status, 200);
  EXPECT_EQ(post("/auth/email/change/confirm", {{"token", token}}).body_json()["error"],
            "invalid_link");
}

// ---- The pages' forms without JavaScript (api/account_forms.h) ----
// A browser with JavaScript off posts each page's form, form-urlencoded, to the page's own URL
// (the link pages' forms have no action: the URL keeps the token) and reads the page it gets.

// `text` form-urlencoded as a browser writes it (space as '+').
std::string form_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class FormAccountApiTest : public AccountApiTest {
 protected:
  // POST `path` as the page's form: Origin the page's (an allowed origin) unless told.
  Response post_form(const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& fields,
                     const std::string& origin = "https://app.example.com") {
    std::string body;
    for (const auto& [name, value] : fields) {
      body += (body.empty() ? "" : "&") + form_encode(name) + "=" + form_encode(value);
    }
    Fields headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    if (!origin.empty()) headers.emplace_back("Origin", origin);
    return send("POST", path, headers, body);
  }
};

bool says(const Response& page, const std::string& words) {
  return page.body.find(words) != std::string::npos;
}

TEST_F(FormAccountApiTest, ForgotAndResetWithoutJavaScript) {
  add_user("fred@example.com", {}, kPassword);
  // The same page for a known and an unknown address, apart from the address it repeats.
  Response known = post_form("/forgot-password", {{"email", "fred@example.com"}});
  Response unknown = post_form("/forgot-password", {{"email", "nope@example.com"}});
  ASSERT_EQ(known.status, 200) << known.body;
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(known.header("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(says(known, "<span id=\"forgot-email\">fred@example.com</span>, we sent it a link"));
  EXPECT_TRUE(says(known, "role=\"status\""));
  std::string unknown_as_known = unknown.body;
  for (std::size_t at; (at = unknown_as_known.find("nope@example.com")) != std::string::npos;) {
    unknown_as_known.replace(at, 16, "fred@example.com");
  }
  EXPECT_EQ(unknown_as_known, known.body);
  EXPECT_TRUE(sink().messages_to("nope@example.com").empty());
  auto mails = mails_to("fred@example.com", 1);
  ASSERT_EQ(mails.size(), 1U);
  const std::string link = "/reset-password?token=" + link_token(mails[0], "/reset-password");
  Response page = send("GET", link);
  EXPECT_EQ(page.header("referrer-policy"), "same-origin");  // else the form says Origin: null

  // Refused before anything is done: another site's form, no origin at all, a malformed form,
  // two passwords that differ.
  const std::vector<std::pair<std::string, std::string>> fresh = {
      {"new_password", kNewPassword}, {"confirm_password", kNewPassword}};
  for (const std::string origin : {"https://evil.example", "null", ""}) {
    Response cross = post_form(link, fresh, origin);
    EXPECT_EQ(cross.status, 403) << origin;
    EXPECT_TRUE(says(cross, "own page, so nothing was changed")) << cross.body;
    EXPECT_TRUE(says(cross, "role=\"alert\""));
  }
  Response twice = post_form(link, {{"new_password", "a"}, {"new_password", "b"}});
  EXPECT_EQ(twice.status, 400);
  EXPECT_TRUE(says(twice, "Something in the form was not right"));
  Response differ =
      post_form(link, {{"new_password", kNewPassword}, {"confirm_password", kPassword}});
  EXPECT_EQ(differ.status, 400);
  EXPECT_TRUE(says(differ, "The two passwords are not the same."));
  // A password the policy refuses: its words, the form again, the link still usable.
  Response weak = post_form(link, {{"new_password", "short"}, {"confirm_password", "short"}});
  EXPECT_EQ(weak.status, 422) << weak.body;
  EXPECT_TRUE(says(weak, "at least 8 characters"));
  EXPECT_TRUE(says(
      weak, "data-mismatch=\"The two passwords are not the same. Type the new password twice.\" >"))
      << "the form shows";
  Browser b;
  ASSERT_EQ(login(b, "fred@example.com", kPassword).status, 200) << "nothing changed so far";

  Response done = post_form(link, fresh);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_TRUE(says(done, "Your password was")) << done.body;
  EXPECT_TRUE(says(done, "<a id=\"reset-sign-in\" href=\"/login\">"));
  EXPECT_TRUE(done.all("set-cookie").empty());  // no sign-in, no token
  EXPECT_FALSE(says(done, link_token(mails[0], "/reset-password")));
  EXPECT_EQ(login(b, "fred@example.com", kPassword).status, 401);
  EXPECT_EQ(login(b, "fred@example.com", kNewPassword).status, 200);
  Response again = post_form(link, fresh);
  EXPECT_EQ(again.status, 400);
  EXPECT_TRUE(says(again, "already used"));
  EXPECT_TRUE(says(again, "<p id=\"reset-new-link\" class=\"links\" >"));

  // The per-address limit (3 here): the wait in minutes, no HTTP words.
  Response limited;
  for (int i = 0; i < 3; ++i)
    limited = post_form("/forgot-password", {{"email", "fred@example.com"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.header("retry-after").empty());
  EXPECT_TRUE(std::regex_search(limited.body,
                                std::regex("Too many attempts\\. Try again in \\d+ minutes?\\.")))
      << limited.body;
}

TEST_F(FormAccountApiTest, SignupVerifyAndEmailChangeWithoutJavaScript) {
  const std::vector<std::pair<std::string, std::string>> signup = {
      {"email", "gina@example.com"}, {"password", kPassword}, {"confirm_password", kPassword}};
  Response created = post_form("/signup", signup);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(says(created, "Check your inbox: we sent a link to confirm your address."));
  // A taken address: the same page, byte for byte.
  Response taken = post_form("/signup", signup);
  EXPECT_EQ(taken.status, 200);
  EXPECT_EQ(taken.body, created.body);
  auto mails = mails_to("gina@example.com", 1);
  ASSERT_GE(mails.size(), 1U);
  const std::string verify = "/verify-email?token=" + link_token(mails[0], "/verify-email");

  // Another site's button does nothing: the link works afterwards.
  EXPECT_EQ(post_form(verify, {}, "https://evil.example").status, 403);
  EXPECT_EQ(post_form("/verify-email", {}).status, 400) << "no token: the way to a new link";
  EXPECT_EQ(post_form(verify, {{"x", "1"}}).status, 400);
  Response verified = post_form(verify, {});
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_TRUE(says(verified, "Thank you: <span id=\"verify-address\">gina@example.com</span> is"));
  EXPECT_TRUE(says(post_form(verify, {}), "already used"));
  Browser b;
  ASSERT_EQ(login(b, "gina@example.com", kPassword).status, 200);
  EXPECT_EQ(send("GET", "/auth/me", b.cookies_only()).body_json()["user"]["email_verified"], true);

  // The email change is asked for on the account page (signed in); its link's page confirms it.
  Fields unsafe = b.unsafe();
  unsafe.emplace_back("Content-Type", "application/json");
  ASSERT_EQ(
      send("POST", "/auth/email/change", unsafe, R"({"new_email":"gina2@example.com"})").status,
      202);
  auto to_new = mails_to("gina2@example.com", 1);
  ASSERT_EQ(to_new.size(), 1U);
  const std::string confirm =
      "/confirm-email-change?token=" + link_token(to_new[0], "/confirm-email-change");
  EXPECT_EQ(post_form(confirm, {}, "https://evil.example").status, 403);
  EXPECT_EQ(login(b, "gina2@example.com", kPassword).status, 401);
  Response changed = post_form(confirm, {});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_TRUE(says(changed, "Done: you now sign in with <span id=\"verify-address\">gina2@"));
  EXPECT_EQ(login(b, "gina2@example.com", kPassword).status, 200);
}

// auth.require_verified_email: no sign-in until the address is confirmed; the refusal mails a
// fresh link.
class VerifiedOnlyAccountApiTest : public AccountApiTest {
 protected:
  VerifiedOnlyAccountApiTest()
      : AccountApiTest(config(/*with_mail=*/true, /*verified_only=*/true)) {}
};

TEST_F(VerifiedOnlyAccountApiTest, NoSignInUntilTheAddressIsConfirmed) {
  ASSERT_EQ(post("/auth/signup", {{"email", "hal@example.com"}, {"password", kPassword}}).status,
            201);
  ASSERT_EQ(mails_to("hal@example.com", 1).size(), 1U);
  Browser b;
  Response refused = login(b, "hal@example.com", kPassword);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body_json()["error"], "email_not_verified");
  EXPECT_NE(refused.body_json()["detail"].get<std::string>().find("new confirmation link"),
            std::string::npos);
  EXPECT_TRUE(refused.all("set-cookie").empty());
  // A wrong password says nothing about the address.
  Response wrong = login(b, "hal@example.com", "not the password at all");
  EXPECT_EQ(wrong.status, 401);
  auto mails = mails_to("hal@example.com", 2);  // the refusal's fresh link
  ASSERT_EQ(mails.size(), 2U);
  const std::string token = link_token(mails[1], "/verify-email");
  ASSERT_EQ(post("/auth/email/verify", {{"token", token}}).status, 200);
  EXPECT_EQ(login(b, "hal@example.com", kPassword).status, 200);
}

// Delivery when the SMTP server is down, when the node is killed, and with two nodes.
class DeliveryAccountApiTest : public AccountApiTest {
 protected:
  // An SMTP port with nothing listening yet (a sink was there a moment ago).
  static int free_port() {
    static const int port = [] {
      SmtpSink probe;
      const int p = probe.port();
      probe.stop();
      return p;
    }();
    return port;
  }
  DeliveryAccountApiTest()
      : AccountApiTest(config(/*with_mail=*/true, /*verified_only=*/false,
                              "smtp://127.0.0.1:" + std::to_string(free_port()))) {}

  // The value of `metric` on /metrics (-1 if absent).
  double metric(const std::string& name) {
    const std::string text = send("GET", "/metrics").body;
    const std::size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }
};

TEST_F(DeliveryAccountApiTest, AMailOutlivesAnSmtpOutageAndAKilledNode) {
  add_user("kim@example.com", {}, kPassword);
  // The SMTP server is down: the request is answered all the same, and the mail waits.
  ASSERT_EQ(post("/auth/password/forgot", {{"email", "kim@example.com"}}).status, 202);
  for (int i = 0; i < 300 && metric("tessera_mail_retried_total") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(metric("tessera_mail_retried_total"), 1);
  EXPECT_EQ(metric("tessera_mail_pending"), 1);
  EXPECT_EQ(metric("tessera_mail_sent_total"), 0);
  // kill -9 of the node, then the SMTP server comes back, then a node: the mail arrives once.
  server_.reset();
  tessera::mail::testing::SmtpSinkOptions options;
  options.port = free_port();
  SmtpSink back(options);
  ASSERT_TRUE(back.ok());
  ApiServerTest::SetUp();
  ASSERT_TRUE(back.wait_for(1));
  auto mails = back.messages_to("kim@example.com");
  ASSERT_EQ(mails.size(), 1U);
  const std::string token = link_token(mails[0], "/reset-password");
  EXPECT_EQ(post("/auth/password/reset", {{"token", token}, {"new_password", kNewPassword}}).status,
            200);
  for (int i = 0; i < 300 && metric("tessera_mail_pending") != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(metric("tessera_mail_pending"), 0);
  EXPECT_EQ(back.messages_to("kim@example.com").size(), 2U);  // and the password-changed notice
}

// Two nodes on one store, each with its sender: every mail goes out once, whichever node
// committed it and whichever node's sender claims it.
TEST_F(AccountApiTest, TwoNodesSendEachMailOnce) {
  TesseraProcess second({"serve", "--listen", "127.0.0.1:0", "--data-dir", data_.string(),
                         "--config", config_.string(), "--threads", "2"},
                        TesseraProcess::Stderr::kDiscard);
  const std::uint16_t second_port = announced_port(second.first_line().value_or(""));
  ASSERT_NE(second_port, 0);
  constexpr int kUsers = 8;
  for (int i = 0; i < kUsers; ++i) {
    add_user("node" + std::to_string(i) + "@example.com", {}, kPassword);
  }
  for (int i = 0; i < kUsers; ++i) {
    const std::uint16_t port = i % 2 == 0 ? port_ : second_port;
    auto r = tessera::http::testing::request(
        port, "POST", "/auth/password/forgot",
        {{"Content-Type", "application/json"}, {"Origin", "https://app.example.com"}},
        json{{"email", "node" + std::to_string(i) + "@example.com"}}.dump(), "10.0.0.1");
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status, 202);
  }
  ASSERT_TRUE(sink().wait_for(kUsers));
  // Every sender idles a poll or two past the last mail: nothing more may come.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(sink().messages().size(), static_cast<std::size_t>(kUsers));
  for (int i = 0; i < kUsers; ++i) {
    EXPECT_EQ(sink().messages_to("node" + std::to_string(i) + "@example.com").size(), 1U) << i;
  }
}

// Deleting a user (admin API and CLI): every credential ends and every row that is theirs goes.
TEST_F(AccountApiTest, DeletingAUserEndsEverythingOfTheirs) {
  const std::string admin_id = add_user("root@example.com", {"admin"}, kPassword);
  const std::string victim_id = add_user("leo@example.com", {}, kPassword);
  add_user("mia@example.com", {}, kPassword);
  Browser admin;
  ASSERT_EQ(login(admin, "root@example.com", kPassword).status, 200);
  Browser leo;
  ASSERT_EQ(login(leo, "leo@example.com", kPassword).status, 200);
  Browser mia;
  ASSERT_EQ(login(mia, "mia@example.com", kPassword).status, 200);

  // Only an administrator; never their own account; CSRF as every unsafe cookie request.
  EXPECT_EQ(send("DELETE", "/admin/users/" + victim_id, mia.unsafe()).status, 403);
  EXPECT_EQ(send("DELETE", "/admin/users/" + victim_id, admin.cookies_only()).status, 403);
  EXPECT_EQ(send("DELETE", "/admin/users/" + admin_id, admin.unsafe()).status, 409);
  ASSERT_EQ(send("DELETE", "/admin/users/" + victim_id, admin.unsafe()).status, 204);
  EXPECT_EQ(send("DELETE", "/admin/users/" + victim_id, admin.unsafe()).status, 404);

  EXPECT_EQ(send("GET", "/auth/me", leo.cookies_only()).status, 401);
  EXPECT_EQ(login(leo, "leo@example.com", kPassword).status, 401);
  EXPECT_EQ(send("GET", "/auth/me", mia.cookies_only()).status, 200);  // nobody else's
  // The address is free again: a sign-up creates a new account with another id.
  ASSERT_EQ(post("/auth/signup", {{"email", "leo@example.com"}, {"password", kPassword}}).status,
            201);
  Browser again;
  Response fresh = login(again, "leo@example.com", kPassword);
  ASSERT_EQ(fresh.status, 200);
  EXPECT_NE(fresh.body_json()["user"]["id"], victim_id);

  // The CLI does the same.
  auto deleted = cli({"user", "delete", "mia@example.com"});
  EXPECT_EQ(deleted.code, 0) << deleted.err;
  // Another process's change: the server's session cache sees it within a second (SPEC.md
  // "Revocation"); a bounded wait, not a timing assertion.
  int status = 200;
  for (int i = 0; i < 50 && status != 401; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = send("GET", "/auth/me", mia.cookies_only()).status;
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(cli({"user", "delete", "mia@example.com"}).code, 2);
}

// The administrator's user API (api/admin_users.h): who may call it, the list's pages and
// search, show, roles, disable and enable, a reset link by mail.
TEST_F(AccountApiTest, AdministratorsManageUsersThroughTheAdminApi) {
  const std::string admin_id = add_user("root@example.com", {"admin"}, kPassword);
  std::set<std::string> all_ids = {admin_id};
  for (const char* name : {"Nia", "oli", "pam", "quin_x", "quinnx"}) {
    all_ids.insert(add_user(std::string(name) + "@example.com", {}, kPassword));
  }
  const std::string sam_id = add_user("sam@example.com", {}, kPassword);  // the one acted on
  all_ids.insert(sam_id);
  Browser admin;
  ASSERT_EQ(login(admin, "root@example.com", kPassword).status, 200);
  Browser sam;
  ASSERT_EQ(login(sam, "sam@example.com", kPassword).status, 200);
  const std::string user_path = "/admin/users/" + sam_id;
  Fields json_unsafe = admin.unsafe();
  json_unsafe.emplace_back("Content-Type", "application/json");
  auto put_roles = [&](const std::string& id, const json& roles) {
    return send("PUT", "/admin/users/" + id + "/roles", json_unsafe, json{{"roles", roles}}.dump());
  };

  // Who may call it: no credential 401, a user without the admin role 403, a cookie caller's
  // change without the CSRF token 403 (and nothing changed).
  EXPECT_EQ(send("GET", "/admin/users").status, 401);
  EXPECT_EQ(send("GET", "/admin/users", sam.cookies_only()).status, 403);
  EXPECT_EQ(send("GET", user_path, sam.cookies_only()).status, 403);
  EXPECT_EQ(send("POST", user_path + "/disable", sam.unsafe()).status, 403);
  EXPECT_EQ(send("POST", user_path + "/disable", admin.cookies_only()).status, 403);
  EXPECT_EQ(send("POST", user_path + "/reset-password", admin.cookies_only()).status, 403);
  Fields no_token = admin.cookies_only();
  no_token.emplace_back("Content-Type", "application/json");
  EXPECT_EQ(send("PUT", user_path + "/roles", no_token, R"({"roles":[]})").status, 403);
  EXPECT_EQ(send("GET", "/auth/me", sam.cookies_only()).status, 200);

  // Every user, in (created_at, id) order, the same through pages of 2.
  Response whole = send("GET", "/admin/users?limit=1000", admin.cookies_only());
  ASSERT_EQ(whole.status, 200) << whole.body;
  const json rows = whole.body_json()["users"];
  ASSERT_EQ(rows.size(), all_ids.size());
  EXPECT_TRUE(whole.body_json()["next"].is_null());
  std::vector<std::string> order;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    order.push_back(rows[i]["id"]);
    if (i > 0) {
      const auto before = std::make_pair(rows[i - 1]["created_at"].get<std::int64_t>(),
                                         rows[i - 1]["id"].get<std::string>());
      EXPECT_LT(before, std::make_pair(rows[i]["created_at"].get<std::int64_t>(),
                                       rows[i]["id"].get<std::string>()));
    }
  }
  EXPECT_EQ(std::set<std::string>(order.begin(), order.end()), all_ids);
  json sam_row = rows[std::find(order.begin(), order.end(), sam_id) - order.begin()];
  EXPECT_EQ(sam_row, (json{{"id", sam_id},
                           {"email", "sam@example.com"},
                           {"roles", json::array()},
                           {"disabled", false},
                           {"created_at", sam_row["created_at"]}}));
  // Follows `next` until it is null; the ids in order, and how many pages it took.
  auto pages = [&](const std::string& first) {
    std::vector<std::string> ids;
    int count = 0;
    for (std::string path = first; count < 20; ++count) {
      Response page = send("GET", path, admin.cookies_only());
      EXPECT_EQ(page.status, 200) << path << ": " << page.body;
      if (page.status != 200) break;
      const json body = page.body_json();
      for (const json& u : body["users"]) ids.push_back(u["id"]);
      const json next = body["next"];
      if (next.is_null()) break;
      path = first + "&after=" + next.get<std::string>();
    }
    return std::make_pair(ids, count + 1);
  };
  auto [paged, page_count] = pages("/admin/users?limit=2");
  EXPECT_EQ(paged, order);
  EXPECT_EQ(page_count, 4);  // 2 + 2 + 2 + 1: the short page's next is null
  auto [exact, exact_count] = pages("/admin/users?limit=7");
  EXPECT_EQ(exact, order);
  EXPECT_EQ(exact_count, 2);  // a full page has a next, and the page after it is empty

  // The search: ASCII letters in any case, `_` and `%` as themselves, with paging.
  auto found = [&](const std::string& query) {
    std::set<std::string> emails;
    Response r = send("GET", "/admin/users?" + query, admin.cookies_only());
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    if (r.status == 200) {
      const json body = r.body_json();
      for (const json& u : body["users"]) emails.insert(u["email"]);
    }
    return emails;
  };
  EXPECT_EQ(found("q=NIA"), std::set<std::string>{"nia@example.com"});
  EXPECT_EQ(found("q=QUIN"), (std::set<std::string>{"quin_x@example.com", "quinnx@example.com"}));
  EXPECT_EQ(found("q=n_x"), std::set<std::string>{"quin_x@example.com"});
  EXPECT_EQ(found("q=%25"), std::set<std::string>{});
  EXPECT_EQ(found("q=nobody"), std::set<std::string>{});
  auto [searched, search_pages] = pages("/admin/users?q=Example.COM&limit=4");
  EXPECT_EQ(searched, order);
  EXPECT_EQ(search_pages, 2);

  // Malformed, repeated or unknown parameters: 400 naming the parameter.
  for (const auto& [query, name] : std::vector<std::pair<std::string, std::string>>{
           {"limit=0", "limit"},
           {"limit=1001", "limit"},
           {"limit=ten", "limit"},
           {"limit=1&limit=2", "limit"},
           {"after=garbage", "after"},
           {"after=12." + admin_id.substr(1), "after"},
           {"after=-1." + admin_id, "after"},
           {"q=a&q=b", "q"},
           {"q=" + std::string(255, 'a'), "q"},
           {"q=%00", "query"},
           {"sort=email", "unknown query parameter"}}) {
    Response bad = send("GET", "/admin/users?" + query, admin.cookies_only());
    EXPECT_EQ(bad.status, 400) << query;
    EXPECT_EQ(bad.body_json()["detail"].get<std::string>().rfind(name, 0), 0u)
        << query << ": " << bad.body;
  }

  // Show: the record `tessera user show --json` prints.
  Response shown = send("GET", user_path, admin.cookies_only());
  ASSERT_EQ(shown.status, 200) << shown.body;
  const json detail = shown.body_json();
  std::vector<std::string> keys;
  for (const auto& [k, v] : detail.items()) keys.push_back(k);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()),
            (std::set<std::string>{"id", "email", "email_verified", "roles", "disabled",
                                   "created_at", "password_changed_at", "second_factors"}));
  EXPECT_EQ(detail["email"], "sam@example.com");
  EXPECT_EQ(detail["second_factors"],
            (json{{"totp", "off"}, {"recovery_codes", 0}, {"passkeys", 0}}));
  auto cli_shown = cli({"user", "show", sam_id, "--json"});
  ASSERT_EQ(cli_shown.code, 0) << cli_shown.err;
  EXPECT_EQ(json::parse(cli_shown.out), detail);
  const std::string unknown = "/admin/users/00000000-0000-4000-8000-000000000000";
  for (const std::string& path : {unknown, std::string("/admin/users/not-a-uuid")}) {
    EXPECT_EQ(send("GET", path, admin.cookies_only()).status, 404) << path;
    EXPECT_EQ(send("POST", path + "/disable", admin.unsafe()).status, 404) << path;
    EXPECT_EQ(send("POST", path + "/enable", admin.unsafe()).status, 404) << path;
    EXPECT_EQ(send("POST", path + "/reset-password", admin.unsafe()).status, 404) << path;
  }
  EXPECT_EQ(put_roles("00000000-0000-4000-8000-000000000000", json::array()).status, 404);

  // Roles: replaced (sorted), seen by the user's session, audited with the admin as actor.
  Response roles = put_roles(sam_id, {"support", "billing", "support"});
  ASSERT_EQ(roles.status, 200) << roles.body;
  EXPECT_EQ(roles.body_json()["roles"], json::array({"billing", "support"}));
  EXPECT_EQ(roles.body_json()["id"], sam_id);
  EXPECT_EQ(send("GET", "/auth/me", sam.cookies_only()).body_json()["user"]["roles"],
            json::array({"billing", "support"}));
  EXPECT_EQ(put_roles(sam_id, {"Bad Role"}).status, 400);
  EXPECT_EQ(send("PUT", user_path + "/roles", json_unsafe, R"({"roles":"admin"})").status, 400);
  EXPECT_EQ(send("PUT", user_path + "/roles", json_unsafe, R"({"role":["admin"]})").status, 400);
  Response audit = send("GET", "/admin/audit?type=user.roles_changed", admin.cookies_only());
  ASSERT_EQ(audit.status, 200);
  ASSERT_EQ(audit.body_json()["events"].size(), 1u) << audit.body;
  const json event = audit.body_json()["events"][0];
  EXPECT_EQ(event["user_id"], admin_id);
  EXPECT_EQ(event["detail"]["user"], sam_id);
  EXPECT_EQ(event["detail"]["by"], admin_id);
  EXPECT_EQ(event["detail"]["roles"], json::array({"billing", "support"}));
  EXPECT_EQ(event["detail"]["previous"], json::array());
  // No administrator takes the admin role from themselves.
  Response demoted = put_roles(admin_id, {"support"});
  EXPECT_EQ(demoted.status, 409) << demoted.body;
  EXPECT_EQ(put_roles(admin_id, json::array()).status, 409);
  EXPECT_EQ(send("GET", "/admin/users/" + admin_id, admin.cookies_only()).body_json()["roles"],
            json::array({"admin"}));

  // Disable: the user's session ends and they cannot sign in; never oneself; enable again.
  Response disabled = send("POST", user_path + "/disable", admin.unsafe());
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(disabled.body_json()["disabled"], true);
  EXPECT_EQ(disabled.body_json()["sessions_revoked"], 1);
  EXPECT_EQ(send("GET", "/auth/me", sam.cookies_only()).status, 401);
  Browser again;
  EXPECT_EQ(login(again, "sam@example.com", kPassword).status, 401);
  EXPECT_EQ(send("POST", user_path + "/reset-password", admin.unsafe()).status, 403);
  EXPECT_EQ(send("POST", "/admin/users/" + admin_id + "/disable", admin.unsafe()).status, 409);
  EXPECT_EQ(send("GET", "/auth/me", admin.cookies_only()).status, 200);
  Response enabled = send("POST", user_path + "/enable", admin.unsafe());
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  EXPECT_EQ(enabled.body_json()["disabled"], false);
  EXPECT_FALSE(enabled.body_json().contains("sessions_revoked"));
  EXPECT_EQ(login(again, "sam@example.com", kPassword).status, 200);
  for (const std::string type : {"user.disabled", "user.enabled"}) {
    Response events = send("GET", "/admin/audit?type=" + type, admin.cookies_only());
    ASSERT_EQ(events.body_json()["events"].size(), 1u) << type << ": " << events.body;
    EXPECT_EQ(events.body_json()["events"][0]["detail"]["by"], admin_id) << type;
    EXPECT_EQ(events.body_json()["events"][0]["detail"]["user"], sam_id) << type;
  }

  // A reset link by mail; it works like the one "forgot password" sends.
  Response reset = send("POST", user_path + "/reset-password", admin.unsafe());
  ASSERT_EQ(reset.status, 202) << reset.body;
  EXPECT_EQ(reset.body_json(), json::object());
  auto mails = mails_to("sam@example.com", 1);
  ASSERT_EQ(mails.size(), 1U);
  const std::string token = link_token(mails[0], "/reset-password");
  ASSERT_EQ(token.size(), 43U) << mails[0]["text"];
  ASSERT_EQ(post("/auth/password/reset", {{"token", token}, {"new_password", kNewPassword}}).status,
            200);
  EXPECT_EQ(login(again, "sam@example.com", kNewPassword).status, 200);
  Response requested =
      send("GET", "/admin/audit?type=password.reset_requested", admin.cookies_only());
  ASSERT_FALSE(requested.body_json()["events"].empty()) << requested.body;
  EXPECT_EQ(requested.body_json()["events"][0]["detail"]["by"], admin_id);  // newest first
  EXPECT_EQ(requested.body_json()["events"][0]["detail"]["user"], sam_id);
}

// Every /admin/users route wants a recent sign-in (RFC 9470 step-up): an administrator whose
// authentication is older than auth.step_up_max_age (1 s here) is asked to sign in again.
class StepUpAccountApiTest : public AccountApiTest {
 protected:
  StepUpAccountApiTest()
      : AccountApiTest(config(/*with_mail=*/true, /*verified_only=*/false, /*smtp_url=*/{},
                              "step_up_max_age = \"1s\"\n")) {}
};

TEST_F(StepUpAccountApiTest, TheAdminUserApiWantsARecentSignIn) {
  add_user("root@example.com", {"admin"}, kPassword);
  const std::string id = add_user("tim@example.com", {}, kPassword);
  Browser admin;
  ASSERT_EQ(login(admin, "root@example.com", kPassword).status, 200);
  const std::int64_t auth_time = send("GET", "/auth/me", admin.cookies_only())
                                     .body_json()["session"]["auth_time"]
                                     .get<std::int64_t>();
  // Until the sign-in is past 1 s on the server's clock (the same machine's).
  while (std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() <= auth_time + 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Fields json_unsafe = admin.unsafe();
  json_unsafe.emplace_back("Content-Type", "application/json");
  const std::string path = "/admin/users/" + id;
  for (Response r :
       {send("GET", "/admin/users", admin.cookies_only()), send("GET", path, admin.cookies_only()),
        send("PUT", path + "/roles", json_unsafe, R"({"roles":["x"]})"),
        send("POST", path + "/disable", admin.unsafe()),
        send("POST", path + "/enable", admin.unsafe()),
        send("POST", path + "/reset-password", admin.unsafe())}) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.body_json()["error"], "insufficient_user_authentication") << r.body;
  }
  // Nothing changed.
  auto shown = cli({"user", "show", id, "--json"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out)["roles"], json::array());
  EXPECT_EQ(json::parse(shown.out)["disabled"], false);
  EXPECT_TRUE(sink().messages_to("tim@example.com").empty());
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
