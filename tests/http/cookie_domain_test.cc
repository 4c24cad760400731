// web.cookie_domain end to end (issue 19, SPEC.md "Gateway"): one sign-in for every host under
// the domain. The real `tessera serve` (one start) with web.cookie_domain = "example.test":
// the sign-in cookies are __Secure- with Domain=example.test, /auth/verify accepts them, the
// CSRF origins and the gateway's return targets are the https origins under the domain, and
// nothing outside it (a suffix look-alike included) passes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.h"
#include "tessera_process.h"

namespace {

using json = nlohmann::json;
using tessera::http::testing::ApiServerTest;
using tessera::http::testing::Fields;
using tessera::http::testing::parse_set_cookie;
using tessera::http::testing::Response;
using tessera::http::testing::SetCookie;
using Browser = tessera::http::testing::SessionBrowser;

constexpr char kPassword[] = "correct horse battery staple";

class CookieDomainTest : public ApiServerTest {
 protected:
  CookieDomainTest()
      : ApiServerTest(
            "[server]\n"
            "public_url = \"https://auth.example.test\"\n"
            "[web]\n"
            "cookie_domain = \"example.test\"\n"
            "allowed_origins = [\"https://app.example.test\", \"https://admin.example.test\"]\n") {}

  // The Set-Cookie of `r` for `name`; fails the test when there is not exactly one.
  static SetCookie set_cookie(const Response& r, const std::string& name) {
    std::vector<SetCookie> found;
    for (const std::string& sc : r.all("set-cookie")) {
      SetCookie c = parse_set_cookie(sc);
      if (c.name == name) found.push_back(c);
    }
    EXPECT_EQ(found.size(), 1u) << name;
    return found.empty() ? SetCookie{} : found.front();
  }
};

TEST_F(CookieDomainTest, OneSignInServesEverySubdomainAndNothingElse) {
  const std::string id = add_user("sub@example.test", {"viewer"}, kPassword);
  Browser b;
  b.session_cookie = "__Secure-tessera_session";
  b.csrf_cookie = "__Secure-tessera_csrf";
  b.origin = "https://app.example.test";
  const std::string body = json({{"email", "sub@example.test"}, {"password", kPassword}}).dump();

  // Login CSRF: a page outside the domain cannot sign the browser in.
  Response evil_login =
      send("POST", "/auth/login",
           {{"Content-Type", "application/json"}, {"Origin", "https://evil.test"}}, body);
  EXPECT_EQ(evil_login.status, 403) << evil_login.body;

  Response login = send("POST", "/auth/login",
                        {{"Content-Type", "application/json"}, {"Origin", b.origin}}, body);
  ASSERT_EQ(login.status, 200) << login.body;
  for (const char* name : {"__Secure-tessera_session", "__Secure-tessera_csrf"}) {
    SetCookie c = set_cookie(login, name);
    EXPECT_EQ(c.attrs["domain"], "example.test") << name;
    EXPECT_TRUE(c.attrs.count("secure")) << name;
    EXPECT_EQ(c.attrs["path"], "/") << name;
  }
  EXPECT_TRUE(set_cookie(login, "__Secure-tessera_session").attrs.count("httponly"));
  EXPECT_FALSE(set_cookie(login, "__Secure-tessera_csrf").attrs.count("httponly"));
  // The host-only cookies of before are deleted, never set: __Host- never carries a Domain.
  for (const std::string& sc : login.all("set-cookie")) {
    if (!sc.starts_with("__Host-")) continue;
    SetCookie c = parse_set_cookie(sc);
    EXPECT_EQ(c.value, "") << sc;
    EXPECT_EQ(c.attrs["max-age"], "0") << sc;
    EXPECT_FALSE(c.attrs.count("domain")) << sc;
  }
  b.take_cookies(login);
  ASSERT_FALSE(b.session.empty());
  ASSERT_FALSE(b.csrf.empty());

  // /auth/verify (what the gateway in front of every subdomain asks) accepts the cookie.
  Response verify = send("GET", "/auth/verify", b.cookies_only());
  EXPECT_EQ(verify.status, 200) << verify.body;
  EXPECT_EQ(verify.header("x-user-id"), id);
  // Only the configured names count: the same value under the host-only name is no credential,
  // and our cookie sent twice (a host under the domain can add one) is refused, not guessed.
  EXPECT_EQ(send("GET", "/auth/verify", {{"Cookie", "__Host-tessera_session=" + b.session}}).status,
            401);
  const std::string twice =
      "__Secure-tessera_session=" + b.session + "; __Secure-tessera_session=" + b.session;
  EXPECT_EQ(send("GET", "/auth/verify", {{"Cookie", twice}}).status, 401);
  EXPECT_EQ(send("GET", "/auth/me", {{"Cookie", twice}}).status, 400);

  // The gateway's return target: any https page under the domain, never a look-alike.
  const Fields navigation = {{"Accept", "text/html"}, {"Sec-Fetch-Mode", "navigate"}};
  auto verify_for = [&](const std::string& url) {
    Fields h = navigation;
    h.emplace_back("X-Original-URL", url);
    return send("GET", "/auth/verify", h);
  };
  Response other = verify_for("https://other.example.test/x");
  EXPECT_EQ(other.status, 302);
  EXPECT_EQ(other.header("location"),
            "https://auth.example.test/login?return_to=https%3A%2F%2Fother.example.test%2Fx");
  for (const char* evil : {"https://example.test.evil.com/", "https://evil.test/x",
                           "http://other.example.test/x", "https://badexample.test/"}) {
    Response r = verify_for(evil);
    EXPECT_EQ(r.status, 401) << evil;
    EXPECT_EQ(r.header("location"), "") << evil;
  }

  // A CSRF-checked POST (logout): refused from outside the domain, accepted from another
  // subdomain, and its deletions carry the Domain (else the browser keeps the cookies).
  Fields from_evil = b.unsafe();
  from_evil[0].second = "https://evil.test";
  EXPECT_EQ(send("POST", "/auth/logout", from_evil).status, 403);
  EXPECT_EQ(send("GET", "/auth/verify", b.cookies_only()).status, 200);  // still signed in
  b.origin = "https://admin.example.test";
  Response logout = send("POST", "/auth/logout", b.unsafe());
  EXPECT_EQ(logout.status, 204) << logout.body;
  SetCookie cleared = set_cookie(logout, "__Secure-tessera_session");
  EXPECT_EQ(cleared.attrs["max-age"], "0");
  EXPECT_EQ(cleared.attrs["domain"], "example.test");
  EXPECT_EQ(send("GET", "/auth/verify", b.cookies_only()).status, 401);
}

}  // namespace
