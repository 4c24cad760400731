// The return target check (api/return_target.h): allowed origins and the cookie domain only,
// whatever an attacker writes in the URL.
#include "api/return_target.h"

#include <gtest/gtest.h>

namespace tessera::api {
namespace {

ReturnTargets targets(std::string cookie_domain = {}) {
  return ReturnTargets({"https://app.example.com", "https://good.example:8443",
                        "http://127.0.0.1:8080", "http://intranet.example"},
                       std::move(cookie_domain));
}

TEST(ReturnTargets, AllowsUrlsOnAnAllowedOrigin) {
  const ReturnTargets t = targets();
  for (const char* ok :
       {"https://app.example.com/", "https://app.example.com", "https://APP.Example.com/x?y=1",
        "https://app.example.com:443/deep/path?q=a%20b&r=%2F", "https://good.example:8443/a",
        "http://127.0.0.1:8080/admin"}) {
    EXPECT_TRUE(t.allows_url(ok)) << ok;
    EXPECT_TRUE(t.allows(ok)) << ok;
  }
}

TEST(ReturnTargets, RefusesOpenRedirectTricks) {
  const ReturnTargets t = targets("example.com");
  for (const char* bad : {"",
                          "/",
                          "/account",
                          "//evil.example",
                          "//app.example.com/x",
                          "///evil.example",
                          "https:evil.example",
                          "https:/evil.example",
                          "https:\\\\evil.example",
                          "https://app.example.com\\@evil.example",
                          "https://evil.example\\.app.example.com",
                          "https://evil.example@app.example.com/",
                          "https://app.example.com@evil.example/",
                          "https://@app.example.com/",
                          "https://app.example.com:@evil.example",
                          "https://app.example.com.evil.example/",
                          "https://good.example.evil/",
                          "https://evilapp.example.com.attacker/",
                          "https://notexample.com/",
                          "https://example.com.evil/",
                          "https://good.example/",  // port differs from 8443
                          "https://good.example:443/",
                          "http://app.example.com/",   // scheme differs
                          "http://intranet.example/",  // plain http beyond loopback
                          "https://app.example.com%2F@evil.example",
                          "https://app%2eexample%2ecom/",
                          "https://evil.example%23@app.example.com",
                          "https://evil.example%00.example.com/",
                          "https://app.example.com/#frag",
                          "javascript:alert(1)",
                          "javascript://app.example.com/%0Aalert(1)",
                          "data:text/html,<script>",
                          "JaVaScRiPt:alert(1)",
                          "https://app.example.com/\r\nSet-Cookie: a=b",
                          "https://app.example.com/\n",
                          "https://app.example.com/ x",
                          "\thttps://app.example.com/",
                          "https://app.example.com/\x7f",
                          "https://app.example.com/caf\xc3\xa9",
                          "https://app.example.com:0/",
                          "https://app.example.com:65536/",
                          "https://app.example.com:99999999999/",
                          "https://[::1]/",
                          "ftp://app.example.com/",
                          "https://[v1.fe]/"}) {
    EXPECT_FALSE(t.allows_url(bad)) << bad;
    EXPECT_FALSE(t.allows(bad)) << bad;
  }
  EXPECT_FALSE(t.allows_url("https://app.example.com/" + std::string(kMaxReturnTargetBytes, 'a')));
}

TEST(ReturnTargets, CookieDomainAllowsHttpsHostsUnderIt) {
  const ReturnTargets t = targets("example.com");
  for (const char* ok : {"https://example.com/", "https://wiki.example.com/page",
                         "https://a.b.example.com:8443/", "https://WIKI.EXAMPLE.COM/"}) {
    EXPECT_TRUE(t.allows_url(ok)) << ok;
  }
  for (const char* bad : {"http://wiki.example.com/", "https://wikiexample.com/",
                          "https://example.com.evil/", "https://evil.com/?.example.com",
                          "https://evil.com/.example.com", "https://evil.com#.example.com"}) {
    EXPECT_FALSE(t.allows_url(bad)) << bad;
  }
  EXPECT_FALSE(targets().allows_url("https://wiki.example.com/"));  // no cookie domain
}

TEST(ReturnTargets, TheOAuthPathStillPasses) {
  const ReturnTargets t;
  EXPECT_TRUE(t.allows("/oauth2/authorize?client_id=x"));
  EXPECT_FALSE(t.allows_url("/oauth2/authorize?client_id=x"));
  EXPECT_FALSE(t.allows("https://app.example.com/"));  // no origin configured
}

TEST(ReturnTargets, LoginUrlEncodesTheTarget) {
  EXPECT_EQ(login_url_with_return("https://id.example.com/login", "https://a.example/x?y=1&z=#"),
            "https://id.example.com/login?return_to=https%3A%2F%2Fa.example%2Fx%3Fy%3D1%26z%3D%23");
}

}  // namespace
}  // namespace tessera::api
