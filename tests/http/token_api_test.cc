// Access-token credentials end to end (issue 4 "Access tokens", "Revocation"; SPEC.md "Browser
// delivery", "Tokens", "HTTP API"): the real `tessera serve` with web.mode = "jwt" on an
// ephemeral port and a fresh SQLite store, spoken to over raw sockets.
//
// Covered here: the three cookies of web.mode = "jwt" and their attributes; the access cookie
// and `Authorization: Bearer` on /auth/me, /auth/sessions, DELETE /auth/sessions/{id},
// /auth/password, /auth/logout and /auth/logout-all; the cookie variant of /auth/refresh with
// its CSRF rule; the CSRF matrix for the access cookie (Bearer is exempt); POST
// /admin/keys/rotate. The session-cookie API is tests/http/auth_api_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::all_at_once;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::Fields;
using tessera::http::testing::parse_set_cookie;
using tessera::http::testing::Response;
using tessera::http::testing::SetCookie;

constexpr char kOrigin[] = "https://app.example.com";
constexpr char kAccess[] = "__Host-tessera_access";
constexpr char kRefresh[] = "__Secure-tessera_refresh";
constexpr char kCsrf[] = "__Host-tessera_csrf";
constexpr char kSession[] = "__Host-tessera_session";
constexpr char kPassword[] = "correct horse battery staple";
constexpr char kInvalidToken[] = R"(Bearer realm="tessera", error="invalid_token")";

// A browser in web.mode = "jwt": its jar holds the access, refresh and CSRF cookies, and it
// sends the refresh cookie only to /auth/refresh (its Path), as a browser does.
struct Browser {
  std::string access, refresh, csrf;
  std::string ip = "10.0.0.1";

  std::string cookies(bool to_refresh_path = false) const {
    std::string c;
    auto add = [&c](const char* name, const std::string& v) {
      if (v.empty()) return;
      if (!c.empty()) c += "; ";
      c += std::string(name) + "=" + v;
    };
    add(kAccess, access);
    if (to_refresh_path) add(kRefresh, refresh);
    add(kCsrf, csrf);
    return c;
  }
  Fields cookies_only() const { return {{"Cookie", cookies()}}; }
  Fields unsafe() const {
    return {{"Origin", kOrigin}, {"X-CSRF-Token", csrf}, {"Cookie", cookies()}};
  }
  Fields refresh_request() const {
    return {{"Origin", kOrigin}, {"X-CSRF-Token", csrf}, {"Cookie", cookies(true)}};
  }
  void take_cookies(const Response& r) {
    for (const std::string& sc : r.all("set-cookie")) {
      SetCookie c = parse_set_cookie(sc);
      const bool deleted = c.attrs.count("max-age") && c.attrs["max-age"] == "0";
      std::string v = deleted ? "" : c.value;
      if (c.name == kAccess) access = v;
      if (c.name == kRefresh) refresh = v;
      if (c.name == kCsrf) csrf = v;
    }
  }
};

// Set-Cookie fields by cookie name.
std::map<std::string, SetCookie> set_cookies(const Response& r) {
  std::map<std::string, SetCookie> out;
  for (const std::string& s : r.all("set-cookie")) {
    SetCookie c = parse_set_cookie(s);
    out[c.name] = c;
  }
  return out;
}

class TokenApiTest : public ApiServerTest {
 protected:
  TokenApiTest()
      : ApiServerTest(
            "[server]\n"
            "trusted_proxies = [\"127.0.0.1\"]\n"
            "handler_timeout = \"3m\"\n"
            "[web]\n"
            "mode = \"jwt\"\n"
            "allowed_origins = [\"https://app.example.com\"]\n"
            "[rate_limit]\n"
            "ip_failures = 12\n") {}

  std::string add_user(const std::string& email, std::vector<std::string> roles = {}) {
    return ApiServerTest::add_user(email, std::move(roles), kPassword);
  }

  static std::string credentials(const std::string& email,
                                 const std::string& password = kPassword) {
    return json({{"email", email}, {"password", password}}).dump();
  }

  // Logs `b` in through POST /auth/login (browser cookies); returns the response.
  Response login(Browser& b, const std::string& email) {
    Response r =
        send("POST", "/auth/login", {{"Content-Type", "application/json"}, {"Origin", kOrigin}},
             credentials(email), b.ip);
    EXPECT_EQ(r.status, 200) << r.body;
    b.take_cookies(r);
    return r;
  }

  // POST /auth/token (native client): the JSON body.
  json token_pair(const std::string& email) {
    Response r =
        send("POST", "/auth/token", {{"Content-Type", "application/json"}}, credentials(email));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body_json();
  }
  static Fields bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
  static Fields bearer(const json& pair) { return bearer(pair["access_token"].get<std::string>()); }

  int verify(const Fields& headers) { return send("GET", "/auth/verify", headers).status; }

  static void expect_problem(const Response& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
    EXPECT_EQ(r.body_json()["status"], status) << r.body;
  }
};

// ---- web.mode = "jwt": cookies ------------------------------------------------------------

// SPEC.md "Browser delivery": __Host-tessera_access (Path=/, Max-Age = access TTL),
// __Secure-tessera_refresh (Path=/auth/refresh, SameSite=Strict), __Host-tessera_csrf (readable
// by the page); no session cookie.
TEST_F(TokenApiTest, LoginSetsTheThreeTokenCookiesExactly) {
  const std::string id = add_user("alice@example.com");
  Browser b;
  Response r = login(b, "alice@example.com");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  auto set = set_cookies(r);
  ASSERT_EQ(set.size(), 3u) << r.body;
  EXPECT_FALSE(set.count(kSession));
  ASSERT_TRUE(set.count(kAccess) && set.count(kRefresh) && set.count(kCsrf));
  // Max-Age is the credential's remaining life when the answer is made: its whole life, or a
  // second less when the login straddled a second boundary (more likely over the network
  // stores). Taken out before the attributes are compared exactly.
  auto max_age = [](SetCookie& c) {
    const std::string v = c.attrs["max-age"];
    c.attrs.erase("max-age");
    return v.empty() ? -1 : std::stol(v);
  };
  EXPECT_THAT(max_age(set[kAccess]), ::testing::AllOf(::testing::Ge(899), ::testing::Le(900)));
  const long refresh_age = max_age(set[kRefresh]);
  EXPECT_THAT(refresh_age, ::testing::AllOf(::testing::Ge(2592000 - 1), ::testing::Le(2592000)));
  // Issue 14, defect 6: the CSRF cookie goes with the refresh cookie to /auth/refresh, so it
  // expires with it (a browser-session CSRF cookie left refresh answering 403 after a browser
  // restart while the refresh cookie lived on).
  EXPECT_EQ(max_age(set[kCsrf]), refresh_age);
  EXPECT_EQ(set[kAccess].attrs,
            (std::map<std::string, std::string>{
                {"path", "/"}, {"secure", ""}, {"httponly", ""}, {"samesite", "Lax"}}));
  EXPECT_EQ(
      set[kRefresh].attrs,
      (std::map<std::string, std::string>{
          {"path", "/auth/refresh"}, {"secure", ""}, {"httponly", ""}, {"samesite", "Strict"}}));
  EXPECT_EQ(set[kCsrf].attrs, (std::map<std::string, std::string>{
                                  {"path", "/"}, {"secure", ""}, {"samesite", "Lax"}}));
  EXPECT_EQ(std::count(b.access.begin(), b.access.end(), '.'), 2);  // a JWS
  EXPECT_EQ(b.refresh.size(), 75u);  // family id, generation, 256-bit tag
  EXPECT_EQ(b.csrf.size(), 43u);
  json body = r.body_json();
  EXPECT_EQ(body["user"]["id"], id);
  EXPECT_EQ(body["csrf_token"], b.csrf);
  EXPECT_EQ(body.size(), 2u);
  // The access token is never in the body (the page must not be able to read it).
  EXPECT_EQ(r.body.find(b.access), std::string::npos);

  Response v = send("GET", "/auth/verify", b.cookies_only());
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.header("x-user-id"), id);
  Response me = send("GET", "/auth/me", b.cookies_only());
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.body_json()["user"]["email"], "alice@example.com");
  EXPECT_EQ(me.body_json()["session"]["type"], "token");
  EXPECT_EQ(me.body_json()["session"]["id"], v.header("x-session-id"));
}

TEST_F(TokenApiTest, CookieRefreshRotatesAndReuseKillsTheFamily) {
  add_user("bob@example.com");
  Browser b;
  login(b, "bob@example.com");
  const Browser before = b;
  const std::string sid = send("GET", "/auth/verify", b.cookies_only()).header("x-session-id");

  Response r = send("POST", "/auth/refresh", b.refresh_request());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("cache-control"), "no-store");
  b.take_cookies(r);
  EXPECT_NE(b.refresh, before.refresh);
  EXPECT_NE(b.access, before.access);
  EXPECT_EQ(b.csrf, before.csrf);  // bound to the family, which goes on
  EXPECT_EQ(r.body_json()["csrf_token"], b.csrf);
  EXPECT_EQ(r.body_json()["expires_in"], 900);
  EXPECT_EQ(set_cookies(r)[kRefresh].attrs["path"], "/auth/refresh");
  Response v = send("GET", "/auth/verify", b.cookies_only());
  EXPECT_EQ(v.status, 200);
  EXPECT_EQ(v.header("x-session-id"), sid);

  // The old refresh cookie again (a thief's copy): reuse. 401, every cookie cleared, and the
  // family is dead for the rightful holder too.
  Response reuse = send("POST", "/auth/refresh", before.refresh_request());
  expect_problem(reuse, 401);
  auto cleared = set_cookies(reuse);
  ASSERT_EQ(cleared.size(), 3u);
  for (auto& [name, c] : cleared) EXPECT_EQ(c.attrs["max-age"], "0") << name;
  EXPECT_EQ(cleared[kRefresh].attrs["path"], "/auth/refresh");
  expect_problem(send("POST", "/auth/refresh", b.refresh_request()), 401);
}

// Issue 14, defect 2, for API clients: a burst of correct POST /auth/token logins for one
// account all succeed (attempts in flight make later ones wait, never fail).
TEST_F(TokenApiTest, ABurstOfCorrectTokenLoginsAllSucceed) {
  add_user("una@example.com");
  send_timeout_ = std::chrono::minutes(3);  // see send_timeout_: slow is fine, a refusal is not
  const std::vector<Response> burst = all_at_once(10, [&](int) {
    return send("POST", "/auth/token", {{"Content-Type", "application/json"}},
                credentials("una@example.com"));
  });
  for (const Response& r : burst) EXPECT_EQ(r.status, 200) << r.body;
}

// Issue 14, defect 7: the refresh.reuse event names who presented the used token (its address,
// through the trusted proxy, and user agent): that is the likely thief, not the account owner.
TEST_F(TokenApiTest, ReuseIsAuditedWithThePresentersAddressAndAgent) {
  add_user("root@example.com", {"admin"});
  add_user("vic@example.com");
  const json first = token_pair("vic@example.com");
  const Fields json_type = {{"Content-Type", "application/json"}};
  const std::string old_body = json({{"refresh_token", first["refresh_token"]}}).dump();
  ASSERT_EQ(send("POST", "/auth/refresh", json_type, old_body).status, 200);
  Fields thief = json_type;
  thief.emplace_back("User-Agent", "ThiefBot/2.0");
  expect_problem(send("POST", "/auth/refresh", thief, old_body, "198.51.100.66"), 401);

  Response audit =
      send("GET", "/admin/audit?type=refresh.reuse", bearer(token_pair("root@example.com")));
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json events = audit.body_json()["events"];
  ASSERT_EQ(events.size(), 1u) << audit.body;
  EXPECT_EQ(events[0]["ip"], "198.51.100.66");
  EXPECT_EQ(events[0]["user_agent"], "ThiefBot/2.0");
}

// Issue 14, defect 6: a browser restarted after the access cookie expired keeps only the
// cookies that carry a Max-Age it has not yet reached. Those must be enough to refresh and then
// to log out (before the fix the CSRF cookie died with the browser session: refresh and logout
// answered 403 and the family lived on until its idle timeout).
TEST_F(TokenApiTest, ARestartedBrowserCanStillRefreshAndLogOut) {
  add_user("rita@example.com");
  Browser b;
  Response r = login(b, "rita@example.com");
  constexpr long kAway = 20 * 60;  // the browser was closed for 20 minutes
  Browser restarted;
  for (auto& [name, c] : set_cookies(r)) {
    if (!c.attrs.count("max-age") || std::stol(c.attrs["max-age"]) <= kAway) continue;
    if (name == kAccess) restarted.access = c.value;
    if (name == kRefresh) restarted.refresh = c.value;
    if (name == kCsrf) restarted.csrf = c.value;
  }
  EXPECT_TRUE(restarted.access.empty());  // 15 minutes: gone
  ASSERT_FALSE(restarted.refresh.empty());
  ASSERT_FALSE(restarted.csrf.empty());
  Response refreshed = send("POST", "/auth/refresh", restarted.refresh_request());
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  restarted.take_cookies(refreshed);
  EXPECT_EQ(send("POST", "/auth/logout", restarted.unsafe()).status, 204);
  expect_problem(send("POST", "/auth/refresh", restarted.refresh_request()), 401);
}

// The cookie variant of /auth/refresh is cookie-authenticated: the CSRF rule applies, and a
// refused request rotates nothing.
TEST_F(TokenApiTest, CookieRefreshNeedsOriginAndTheFamilysCsrfToken) {
  add_user("carol@example.com");
  add_user("dave@example.com");
  Browser b, other;
  login(b, "carol@example.com");
  login(other, "dave@example.com");
  const std::string cookie = b.cookies(true);
  struct Case {
    const char* name;
    Fields headers;
  };
  const std::vector<Case> cases = {
      {"no origin", {{"X-CSRF-Token", b.csrf}, {"Cookie", cookie}}},
      {"evil origin",
       {{"Origin", "https://evil.example"}, {"X-CSRF-Token", b.csrf}, {"Cookie", cookie}}},
      {"null origin", {{"Origin", "null"}, {"X-CSRF-Token", b.csrf}, {"Cookie", cookie}}},
      {"suffix origin",
       {{"Origin", "https://app.example.com.evil.example"},
        {"X-CSRF-Token", b.csrf},
        {"Cookie", cookie}}},
      {"no token", {{"Origin", kOrigin}, {"Cookie", cookie}}},
      {"wrong token",
       {{"Origin", kOrigin}, {"X-CSRF-Token", std::string(43, 'A')}, {"Cookie", cookie}}},
      {"another family's token",
       {{"Origin", kOrigin}, {"X-CSRF-Token", other.csrf}, {"Cookie", cookie}}},
  };
  for (const Case& c : cases) {
    Response r = send("POST", "/auth/refresh", c.headers);
    expect_problem(r, 403);
    EXPECT_TRUE(r.all("set-cookie").empty()) << c.name;
  }
  // A planted CSRF cookie with a matching header (a sibling subdomain can set cookies) does
  // not help: the token must be the MAC of this family's sid.
  std::string planted =
      std::string(kRefresh) + "=" + b.refresh + "; " + kCsrf + "=" + std::string(43, 'B');
  expect_problem(
      send("POST", "/auth/refresh",
           {{"Origin", kOrigin}, {"X-CSRF-Token", std::string(43, 'B')}, {"Cookie", planted}}),
      403);
  // Nothing rotated: the refresh token still works, once.
  Response ok = send("POST", "/auth/refresh", b.refresh_request());
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(TokenApiTest, BadRefreshCookiesAreClearErrors) {
  add_user("erin@example.com");
  Browser b;
  login(b, "erin@example.com");
  std::string twice = std::string(kRefresh) + "=" + b.refresh + "; " + kRefresh + "=" + b.refresh;
  expect_problem(send("POST", "/auth/refresh",
                      {{"Origin", kOrigin}, {"X-CSRF-Token", b.csrf}, {"Cookie", twice}}),
                 400);
  expect_problem(send("POST", "/auth/refresh", {{"Origin", kOrigin}, {"X-CSRF-Token", b.csrf}}),
                 401);  // no refresh cookie at all
  std::string junk = std::string(kRefresh) + "=not-a-token; " + kCsrf + "=" + b.csrf;
  expect_problem(send("POST", "/auth/refresh",
                      {{"Origin", kOrigin}, {"X-CSRF-Token", b.csrf}, {"Cookie", junk}}),
                 401);
  std::string access_twice =
      std::string(kAccess) + "=" + b.access + "; " + kAccess + "=" + b.access;
  expect_problem(send("GET", "/auth/me", {{"Cookie", access_twice}}), 400);
  // A forged access cookie: 401 with the invalid_token challenge, and only that cookie cleared.
  std::string forged = b.access;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  Response r = send("GET", "/auth/me", {{"Cookie", std::string(kAccess) + "=" + forged}});
  expect_problem(r, 401);
  EXPECT_EQ(r.header("www-authenticate"), kInvalidToken);
  auto cleared = set_cookies(r);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_EQ(cleared.begin()->first, kAccess);
}

// Issue 14, defect 5, in web.mode = "jwt": cookies planted beside ours (`x`, `=x`, a control
// character) are ignored; our own access or refresh cookie twice is still refused.
TEST_F(TokenApiTest, JunkCookiesBesideTheAccessAndRefreshCookiesAreIgnored) {
  const std::string id = add_user("hal@example.com");
  Browser b;
  login(b, "hal@example.com");
  for (const std::string& j : planted_cookies()) {
    expect_identified_beside(b.cookies(), j, id);
    // The cookie variant of /auth/refresh rotates with junk beside the refresh cookie.
    Response r = send("POST", "/auth/refresh",
                      {{"Origin", kOrigin},
                       {"X-CSRF-Token", b.csrf},
                       {"Cookie", j + "; " + b.cookies(true) + "; " + j}});
    ASSERT_EQ(r.status, 200) << j << ": " << r.body;
    b.take_cookies(r);
  }
  const std::string access_twice =
      std::string(kAccess) + "=" + b.access + "; x; " + kAccess + "=" + b.access;
  expect_problem(send("GET", "/auth/me", {{"Cookie", access_twice}}), 400);
  expect_problem(send("GET", "/auth/verify", {{"Cookie", access_twice}}), 401);
  const std::string refresh_twice =
      b.cookies(true) + "; =x; " + std::string(kRefresh) + "=" + b.refresh;
  expect_problem(send("POST", "/auth/refresh",
                      {{"Origin", kOrigin}, {"X-CSRF-Token", b.csrf}, {"Cookie", refresh_twice}}),
                 400);
  EXPECT_EQ(verify(b.cookies_only()), 200);
}

// SPEC.md "Browser delivery": the CSRF matrix, for the access cookie.
TEST_F(TokenApiTest, AccessCookieUnsafeRequestsNeedOriginAndToken) {
  add_user("fay@example.com");
  add_user("gus@example.com");
  Browser b, other;
  login(b, "fay@example.com");
  login(other, "gus@example.com");
  const std::string cookie = b.cookies();
  const std::vector<Fields> refused = {
      {{"X-CSRF-Token", b.csrf}, {"Cookie", cookie}},
      {{"Origin", "https://evil.example"}, {"X-CSRF-Token", b.csrf}, {"Cookie", cookie}},
      {{"Origin", "null"}, {"X-CSRF-Token", b.csrf}, {"Cookie", cookie}},
      {{"Origin", kOrigin}, {"Cookie", cookie}},
      {{"Origin", kOrigin}, {"X-CSRF-Token", other.csrf}, {"Cookie", cookie}},
      {{"Origin", kOrigin}, {"X-CSRF-Token", std::string(43, 'C')}, {"Cookie", cookie}},
  };
  for (const Fields& h : refused) {
    expect_problem(send("POST", "/auth/logout", h), 403);
    expect_problem(send("POST", "/auth/logout-all", h), 403);
  }
  EXPECT_EQ(verify(b.cookies_only()), 200);  // still logged in
  Response out = send("POST", "/auth/logout", b.unsafe());
  EXPECT_EQ(out.status, 204) << out.body;
}

// SPEC.md "Revocation": logout revokes the family and denies the access token's jti.
TEST_F(TokenApiTest, LogoutWithTheAccessCookieEndsTokenAndFamily) {
  add_user("hal@example.com");
  Browser b;
  login(b, "hal@example.com");
  const Browser before = b;
  Response out = send("POST", "/auth/logout", b.unsafe());
  ASSERT_EQ(out.status, 204) << out.body;
  auto cleared = set_cookies(out);
  ASSERT_EQ(cleared.size(), 3u);
  for (auto& [name, c] : cleared) EXPECT_EQ(c.attrs["max-age"], "0") << name;
  // The same access token, kept by a thief: refused as cookie and as Bearer.
  EXPECT_EQ(verify(before.cookies_only()), 401);
  EXPECT_EQ(verify(bearer(before.access)), 401);
  Response me = send("GET", "/auth/me", before.cookies_only());
  expect_problem(me, 401);
  EXPECT_EQ(me.header("www-authenticate"), kInvalidToken);
  expect_problem(send("POST", "/auth/refresh", before.refresh_request()), 401);
}

// ---- Bearer on every protected endpoint -----------------------------------------------------

TEST_F(TokenApiTest, BearerWorksOnMeAndSessionsWithoutCsrf) {
  const std::string id = add_user("ida@example.com");
  Browser browser;
  login(browser, "ida@example.com");
  json pair = token_pair("ida@example.com");
  Response me = send("GET", "/auth/me", bearer(pair));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.body_json()["user"]["id"], id);
  EXPECT_EQ(me.body_json()["session"]["type"], "token");

  Response list = send("GET", "/auth/sessions", bearer(pair));
  ASSERT_EQ(list.status, 200) << list.body;
  json rows = list.body_json()["sessions"];
  ASSERT_EQ(rows.size(), 2u) << list.body;
  int current = 0;
  for (const json& r : rows) {
    EXPECT_EQ(r["type"], "token");
    if (r["current"] == true) {
      ++current;
      EXPECT_EQ(r["id"], me.body_json()["session"]["id"]);
    }
  }
  EXPECT_EQ(current, 1);

  // Unsafe, with Bearer and no Origin or CSRF token at all: allowed (a browser never attaches
  // an Authorization header by itself). Revoke the browser's family by its id.
  std::string browser_sid =
      send("GET", "/auth/verify", browser.cookies_only()).header("x-session-id");
  EXPECT_EQ(send("DELETE", "/auth/sessions/" + browser_sid, bearer(pair)).status, 204);
  expect_problem(send("POST", "/auth/refresh", browser.refresh_request()), 401);
  // Unknown id and someone else's id: the same 404.
  add_user("jon@example.com");
  json jons = token_pair("jon@example.com");
  std::string jon_sid = send("GET", "/auth/verify", bearer(jons)).header("x-session-id");
  expect_problem(send("DELETE", "/auth/sessions/" + jon_sid, bearer(pair)), 404);
  expect_problem(send("DELETE", "/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA", bearer(pair)), 404);
  EXPECT_EQ(verify(bearer(jons)), 200);
}

TEST_F(TokenApiTest, BearerLogoutDeniesTheTokenAndLogoutAllEndsEverything) {
  add_user("kim@example.com");
  json a = token_pair("kim@example.com");
  json b = token_pair("kim@example.com");
  Response out = send("POST", "/auth/logout", bearer(a));
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_TRUE(out.all("set-cookie").empty());  // Bearer: no cookies to clear
  Response refused = send("GET", "/auth/me", bearer(a));
  expect_problem(refused, 401);
  EXPECT_EQ(refused.header("www-authenticate"), kInvalidToken);
  expect_problem(send("POST", "/auth/refresh", {{"Content-Type", "application/json"}},
                      json({{"refresh_token", a["refresh_token"]}}).dump()),
                 401);
  EXPECT_EQ(verify(bearer(b)), 200);  // the other family lives

  Browser browser;
  login(browser, "kim@example.com");
  Response all = send("POST", "/auth/logout-all", bearer(b));
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.body_json()["sessions_revoked"], 2);  // b's family and the browser's
  EXPECT_EQ(verify(bearer(b)), 401);
  EXPECT_EQ(verify(browser.cookies_only()), 401);
  expect_problem(send("POST", "/auth/refresh", browser.refresh_request()), 401);
}

// POST /auth/password with a token: every family dies (the per-user not-before cannot spare
// one), and the caller gets a new pair in the form it came with.
TEST_F(TokenApiTest, PasswordChangeWithATokenHandsTheCallerANewPair) {
  add_user("lee@example.com");
  json old = token_pair("lee@example.com");
  Browser browser;
  login(browser, "lee@example.com");
  const std::string body =
      json({{"current_password", kPassword}, {"new_password", "a brand new passphrase"}}).dump();
  Response r = send(
      "POST", "/auth/password",
      [&] {
        Fields f = bearer(old);
        f.emplace_back("Content-Type", "application/json");
        return f;
      }(),
      body);
  ASSERT_EQ(r.status, 200) << r.body;
  json fresh = r.body_json();
  EXPECT_EQ(fresh["token_type"], "Bearer");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  EXPECT_EQ(verify(bearer(old)), 401);
  EXPECT_EQ(verify(bearer(fresh)), 200);
  EXPECT_EQ(verify(browser.cookies_only()), 401);
  expect_problem(send("POST", "/auth/refresh", {{"Content-Type", "application/json"}},
                      json({{"refresh_token", old["refresh_token"]}}).dump()),
                 401);
  Response rotated = send("POST", "/auth/refresh", {{"Content-Type", "application/json"}},
                          json({{"refresh_token", fresh["refresh_token"]}}).dump());
  EXPECT_EQ(rotated.status, 200) << rotated.body;

  // The same with the access cookie: new cookies, the old ones dead.
  Browser b2;
  Response l =
      send("POST", "/auth/login", {{"Content-Type", "application/json"}, {"Origin", kOrigin}},
           json({{"email", "lee@example.com"}, {"password", "a brand new passphrase"}}).dump());
  ASSERT_EQ(l.status, 200) << l.body;
  b2.take_cookies(l);
  const Browser before = b2;
  Fields h = b2.unsafe();
  h.emplace_back("Content-Type", "application/json");
  Response c = send("POST", "/auth/password", h,
                    json({{"current_password", "a brand new passphrase"},
                          {"new_password", "yet another passphrase"}})
                        .dump());
  ASSERT_EQ(c.status, 200) << c.body;
  b2.take_cookies(c);
  EXPECT_NE(b2.access, before.access);
  EXPECT_EQ(c.body_json()["csrf_token"], b2.csrf);
  EXPECT_EQ(verify(b2.cookies_only()), 200);
  EXPECT_EQ(verify(before.cookies_only()), 401);
}

// ---- admin ----------------------------------------------------------------------------------

TEST_F(TokenApiTest, AdminRotatesKeysOverHttp) {
  add_user("root@example.com", {"admin"});
  add_user("max@example.com");
  json admin = token_pair("root@example.com");
  json user = token_pair("max@example.com");
  expect_problem(send("POST", "/admin/keys/rotate", bearer(user)), 403);
  expect_problem(send("POST", "/admin/keys/rotate"), 401);
  expect_problem(send("POST", "/admin/keys/rotate?emergency=maybe", bearer(admin)), 400);

  const json jwks_before = send("GET", "/.well-known/jwks.json").body_json();
  Response r = send("POST", "/admin/keys/rotate", bearer(admin));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body_json()["emergency"], false);
  const json jwks_after = send("GET", "/.well-known/jwks.json").body_json();
  EXPECT_NE(jwks_before, jwks_after);
  // A normal rotation: tokens signed by the previous key keep verifying.
  EXPECT_EQ(verify(bearer(user)), 200);
  EXPECT_EQ(verify(bearer(admin)), 200);

  // An emergency rotation: none do, the caller's included.
  Response e = send("POST", "/admin/keys/rotate?emergency=true", bearer(admin));
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_EQ(e.body_json()["emergency"], true);
  EXPECT_EQ(verify(bearer(user)), 401);
  EXPECT_EQ(verify(bearer(admin)), 401);
  json fresh = token_pair("root@example.com");
  EXPECT_EQ(verify(bearer(fresh)), 200);
  Response audit = send("GET", "/admin/audit?type=keys.rotated", bearer(fresh));
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(audit.body_json()["events"].size(), 2u);
}

}  // namespace
