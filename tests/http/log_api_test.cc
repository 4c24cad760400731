// Request ids and logs end to end (issue 19): the real `tessera serve` with its stderr kept in
// a file. Two server starts: one behind a trusted proxy (127.0.0.1) at log.level = "debug" in
// json, one trusting nobody in text format.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api_client.h"
#include "tessera_process.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::parse_set_cookie;
using tessera::http::testing::Response;

constexpr char kEmail[] = "logged.user@example.com";
constexpr char kUnknownEmail[] = "nobody.here@example.com";
constexpr char kPassword[] = "correct horse battery staple";
constexpr char kWrongPassword[] = "Wrong-Pa55word-Zebra";
constexpr char kOrigin[] = "https://app.example.com";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The JSON lines of `log` whose request_id is `id`.
std::vector<json> lines_of(const std::string& log, const std::string& id) {
  std::vector<json> out;
  for (const std::string& line : lines(log)) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("request_id", "") == id) out.push_back(std::move(j));
  }
  return out;
}

bool hex32(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class LogApiTest : public ApiServerTest {
 protected:
  LogApiTest()
      : ApiServerTest(
            "[server]\n"
            "trusted_proxies = [\"127.0.0.1\"]\n"
            "[web]\n"
            "allowed_origins = [\"https://app.example.com\"]\n"
            "[log]\n"
            "level = \"debug\"\n") {
    keep_log_ = true;
  }

  Response login(const std::string& email, const std::string& password, const std::string& id,
                 const std::string& path = "/auth/login") {
    return send("POST", path,
                {{"Content-Type", "application/json"}, {"Origin", kOrigin}, {"X-Request-Id", id}},
                json({{"email", email}, {"password", password}}).dump());
  }
};

TEST_F(LogApiTest, RequestIdsReachTheLogAndNoSecretDoes) {
  const std::string user_id = add_user(kEmail, {}, kPassword);

  // A trusted proxy's id is kept, and names the failure's warn line.
  Response failed = login(kEmail, kWrongPassword, "proxy-req-1");
  EXPECT_EQ(failed.status, 401) << failed.body;
  EXPECT_EQ(failed.header("x-request-id"), "proxy-req-1");
  Response unknown = login(kUnknownEmail, kWrongPassword, "proxy-req-2");
  EXPECT_EQ(unknown.status, 401) << unknown.body;
  // An invalid one is replaced.
  Response bad_id = send("GET", "/healthz", {{"X-Request-Id", "two words"}});
  EXPECT_TRUE(hex32(bad_id.header("x-request-id"))) << bad_id.header("x-request-id");

  // Secrets the server hands out, to look for in the log afterwards.
  Response ok = login(kEmail, kPassword, "proxy-req-3");
  ASSERT_EQ(ok.status, 200) << ok.body;
  std::string session, csrf_token = ok.body_json().value("csrf_token", "");
  for (const std::string& c : ok.all("set-cookie")) {
    auto cookie = parse_set_cookie(c);
    if (cookie.name == "__Host-tessera_session") session = cookie.value;
  }
  ASSERT_FALSE(session.empty());
  ASSERT_FALSE(csrf_token.empty());
  Response tokens = login(kEmail, kPassword, "proxy-req-4", "/auth/token");
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  const std::string access = tokens.body_json().value("access_token", "");
  const std::string refresh = tokens.body_json().value("refresh_token", "");
  ASSERT_FALSE(access.empty());
  ASSERT_FALSE(refresh.empty());

  // A CSRF refusal: the session cookie from a foreign origin.
  Response refused = send("POST", "/auth/logout",
                          {{"Cookie", "__Host-tessera_session=" + session},
                           {"Origin", "https://evil.example"},
                           {"X-Request-Id", "proxy-req-5"}});
  EXPECT_EQ(refused.status, 403) << refused.body;

  const std::string log = server_log();
  // The failed login: one warn line with its request id, event and reason; the user's id,
  // never the email.
  bool failure_seen = false;
  for (const json& j : lines_of(log, "proxy-req-1")) {
    if (j.value("event", "") != "login.failure") continue;
    failure_seen = true;
    EXPECT_EQ(j["level"], "warn") << j;
    EXPECT_EQ(j["reason"], "bad_password") << j;
    EXPECT_EQ(j["user"], user_id) << j;
    EXPECT_EQ(j["ip"], "10.0.0.1") << j;
  }
  EXPECT_TRUE(failure_seen) << log;
  bool unknown_seen = false;
  for (const json& j : lines_of(log, "proxy-req-2")) {
    unknown_seen = unknown_seen || (j.value("event", "") == "login.failure" &&
                                    j.value("reason", "") == "unknown_user");
  }
  EXPECT_TRUE(unknown_seen) << log;
  bool csrf_seen = false;
  for (const json& j : lines_of(log, "proxy-req-5")) {
    if (j.value("msg", "") != "csrf refused") continue;
    csrf_seen = true;
    EXPECT_EQ(j["level"], "warn");
    EXPECT_EQ(j["reason"], "origin_not_allowed");
    EXPECT_EQ(j["origin"], "https://evil.example");
  }
  EXPECT_TRUE(csrf_seen) << log;
  // log.level = debug: one access line per request, with the route's pattern.
  bool access_seen = false;
  for (const json& j : lines_of(log, "proxy-req-3")) {
    if (j.value("msg", "") != "request") continue;
    access_seen = true;
    EXPECT_EQ(j["level"], "debug");
    EXPECT_EQ(j["method"], "POST");
    EXPECT_EQ(j["route"], "/auth/login");
    EXPECT_EQ(j["status"], "200");
    EXPECT_TRUE(j.contains("duration_ms"));
  }
  EXPECT_TRUE(access_seen) << log;

  // Nothing secret or personal, anywhere in the log.
  for (const std::string& secret :
       {std::string(kPassword), std::string(kWrongPassword), std::string(kEmail),
        std::string(kUnknownEmail), session, csrf_token, access, refresh}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "logged: " << secret;
  }
}

// No trusted proxy, text format, and a public URL browsers would reach over plain HTTP.
class LogTextApiTest : public ApiServerTest {
 protected:
  LogTextApiTest()
      : ApiServerTest(
            "[server]\n"
            "public_url = \"http://auth.example.com\"\n"
            "[log]\n"
            "format = \"text\"\n") {
    keep_log_ = true;
  }
};

TEST_F(LogTextApiTest, AClientCannotChooseItsIdAndStartUpWarnsAboutDroppedCookies) {
  Response r = send("POST", "/auth/login",
                    {{"Content-Type", "application/json"}, {"X-Request-Id", "client-chosen-id"}},
                    json({{"email", kUnknownEmail}, {"password", kWrongPassword}}).dump());
  EXPECT_EQ(r.status, 401) << r.body;
  const std::string id = r.header("x-request-id");
  EXPECT_TRUE(hex32(id)) << id;  // generated: the client's is not echoed

  const std::string log = server_log();
  EXPECT_EQ(log.find("client-chosen-id"), std::string::npos) << log;
  bool failure_seen = false, warned = false;
  for (const std::string& line : lines(log)) {
    if (line.empty()) continue;
    EXPECT_NE(line.front(), '{') << line;  // text, not JSON
    if (line.find(" WARN audit ") != std::string::npos &&
        line.find("event=login.failure") != std::string::npos) {
      failure_seen = true;
      EXPECT_NE(line.find("request_id=" + id), std::string::npos) << line;
      EXPECT_NE(line.find("reason=unknown_user"), std::string::npos) << line;
    }
    warned = warned ||
             (line.find(" WARN \"browsers will drop the sign-in cookies") != std::string::npos &&
              line.find("fix=") != std::string::npos);
  }
  EXPECT_TRUE(failure_seen) << log;
  EXPECT_TRUE(warned) << log;
  for (const std::string& secret : {std::string(kWrongPassword), std::string(kUnknownEmail)}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "logged: " << secret;
  }
}

}  // namespace
