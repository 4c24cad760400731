// Unit tests of our cookies' names and Set-Cookie attributes, with and without web.cookie_domain
// (api/cookie_names.h, api/browser_cookies.h), and of reading them (api/credentials.h).
#include "api/browser_cookies.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "api/cookie_names.h"
#include "api/credentials.h"
#include "auth/family_csrf.h"
#include "base/clock.h"

namespace tessera::api {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

struct Fixture {
  explicit Fixture(std::string_view domain)
      : cookies(family_csrf, clock, http::SameSite::kLax, cookie_names(domain)) {}
  auth::FamilyCsrf family_csrf{"secret"};
  base::ManualClock clock{kNow};
  BrowserCookies cookies;
};

auth::TokenPair pair() {
  auth::TokenPair p;
  p.access.token = "acc";
  p.access.expires_at = kNow + 900;
  p.refresh_token = "ref";
  p.refresh_expires_at = kNow + 86400;
  p.sid = "sid1";
  return p;
}

auth::NewSession session() {
  auth::NewSession s;
  s.id = "sess";
  s.csrf_token = "tok";
  return s;
}

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The one Set-Cookie of `all` that sets or deletes `name`; fails when not exactly one.
std::string cookie_named(const std::vector<std::string>& all, std::string_view name) {
  std::vector<std::string> found;
  for (const std::string& c : all) {
    if (c.starts_with(std::string(name) + "=")) found.push_back(c);
  }
  EXPECT_EQ(found.size(), 1u) << name;
  return found.empty() ? "" : found.front();
}

// RFC 6265bis section 4.1.3: a __Host- cookie has no Domain, Path=/ and Secure; a __Secure-
// one Secure. Checked on everything we send.
void expect_prefix_rules(const std::vector<std::string>& all) {
  for (const std::string& c : all) {
    EXPECT_TRUE(has(c, "; Secure")) << c;
    if (c.starts_with("__Host-")) {
      EXPECT_FALSE(has(c, "Domain=")) << c;
      EXPECT_TRUE(has(c, "; Path=/;")) << c;
    }
  }
}

TEST(CookieNames, HostOnlyWithoutDomainSecureWithOne) {
  const CookieNames host = cookie_names("");
  EXPECT_EQ(host.session, "__Host-tessera_session");
  EXPECT_EQ(host.access, "__Host-tessera_access");
  EXPECT_EQ(host.csrf, "__Host-tessera_csrf");
  EXPECT_EQ(host.refresh, "__Secure-tessera_refresh");
  EXPECT_EQ(host.domain, "");
  const CookieNames shared = cookie_names("example.test");
  EXPECT_EQ(shared.session, "__Secure-tessera_session");
  EXPECT_EQ(shared.access, "__Secure-tessera_access");
  EXPECT_EQ(shared.csrf, "__Secure-tessera_csrf");
  EXPECT_EQ(shared.refresh, "__Secure-tessera_refresh");  // unchanged either way
  EXPECT_EQ(shared.domain, "example.test");
}

TEST(BrowserCookies, WithoutDomainEverythingIsHostOnly) {
  Fixture f("");
  const std::vector<std::string> set = f.cookies.session_cookies(session());
  ASSERT_EQ(set.size(), 2u);  // no leftovers to delete
  EXPECT_EQ(cookie_named(set, "__Host-tessera_session"),
            "__Host-tessera_session=sess; Path=/; Secure; HttpOnly; SameSite=Lax");
  EXPECT_EQ(cookie_named(set, "__Host-tessera_csrf"),
            "__Host-tessera_csrf=tok; Path=/; Secure; SameSite=Lax");
  const std::vector<std::string> tokens = f.cookies.token_cookies(pair());
  ASSERT_EQ(tokens.size(), 3u);
  for (const auto& all : {set, tokens, f.cookies.clearing_cookies(AuthMethod::kSessionCookie),
                          f.cookies.clearing_cookies(AuthMethod::kAccessCookie)}) {
    for (const std::string& c : all) EXPECT_FALSE(has(c, "Domain=")) << c;
    expect_prefix_rules(all);
  }
}

TEST(BrowserCookies, WithDomainSecurePrefixAndDomainButNotOnRefresh) {
  Fixture f("example.test");
  const std::vector<std::string> set = f.cookies.session_cookies(session());
  EXPECT_EQ(cookie_named(set, "__Secure-tessera_session"),
            "__Secure-tessera_session=sess; Path=/; Domain=example.test; Secure; HttpOnly; "
            "SameSite=Lax");
  EXPECT_EQ(cookie_named(set, "__Secure-tessera_csrf"),
            "__Secure-tessera_csrf=tok; Path=/; Domain=example.test; Secure; SameSite=Lax");

  const std::vector<std::string> tokens = f.cookies.token_cookies(pair());
  const std::string access = cookie_named(tokens, "__Secure-tessera_access");
  EXPECT_TRUE(has(access, "Domain=example.test")) << access;
  EXPECT_TRUE(has(access, "Max-Age=900")) << access;
  const std::string refresh = cookie_named(tokens, "__Secure-tessera_refresh");
  EXPECT_FALSE(has(refresh, "Domain=")) << refresh;  // only this server reads it
  EXPECT_TRUE(has(refresh, "Path=/auth/refresh")) << refresh;
  EXPECT_TRUE(has(refresh, "SameSite=Strict")) << refresh;
  EXPECT_TRUE(has(cookie_named(tokens, "__Secure-tessera_csrf"), "Domain=example.test"));

  // Deletions carry the same Domain (else the browser keeps the cookie).
  const auto cleared = f.cookies.clearing_cookies(AuthMethod::kAccessCookie);
  EXPECT_TRUE(has(cookie_named(cleared, "__Secure-tessera_access"), "Domain=example.test"));
  EXPECT_TRUE(has(cookie_named(cleared, "__Secure-tessera_csrf"), "Max-Age=0"));
  EXPECT_FALSE(has(cookie_named(cleared, "__Secure-tessera_refresh"), "Domain="));
  for (const auto& all : {set, tokens, cleared, f.cookies.clearing_access_cookie()}) {
    expect_prefix_rules(all);
  }
}

// A browser may keep host-only cookies from before the setting; the page script would prefer the
// stale __Host- CSRF cookie, so every sign-in and refresh deletes them.
TEST(BrowserCookies, WithDomainSettersDeleteTheHostOnlyLeftovers) {
  Fixture f("example.test");
  for (const auto& all : {f.cookies.session_cookies(session()), f.cookies.token_cookies(pair())}) {
    for (std::string_view name :
         {"__Host-tessera_session", "__Host-tessera_access", "__Host-tessera_csrf"}) {
      const std::string c = cookie_named(all, name);
      EXPECT_TRUE(c.starts_with(std::string(name) + "=; Path=/; Max-Age=0; Secure")) << c;
      EXPECT_FALSE(has(c, "Domain=")) << c;
    }
  }
}

// Reading goes by the configured names only: the other prefix is a foreign cookie, and one of
// ours sent twice (a host under the cookie domain can add one) is refused, never guessed.
TEST(PresentedCredential, ReadsTheConfiguredNamesAndRefusesDuplicates) {
  const CookieNames shared = cookie_names("example.test");
  auto present = [&](std::string header) {
    http::Request req;
    req.headers.add("Cookie", std::move(header));
    http::Cookies jar;
    auto c = presented_credential(req, shared, jar);
    return c ? std::string(c->value) : std::string("refused");
  };
  EXPECT_EQ(present("__Secure-tessera_session=s1"), "s1");
  EXPECT_EQ(present("__Secure-tessera_access=a1"), "a1");
  EXPECT_EQ(present("__Host-tessera_session=old"), "refused");  // not ours with a domain
  EXPECT_EQ(present("__Host-tessera_session=old; __Secure-tessera_session=s1"), "s1");
  EXPECT_EQ(present("__Secure-tessera_session=s1; __Secure-tessera_session=s2"), "refused");
  http::Request req;
  req.headers.add("Cookie", "__Secure-tessera_session=s1; __Secure-tessera_session=s2");
  http::Cookies jar;
  auto dup = presented_credential(req, shared, jar);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), CredentialRefusal::kDuplicateSession);
  // And without a domain, the __Secure- names are not ours.
  http::Request other;
  other.headers.add("Cookie", "__Secure-tessera_session=s1");
  EXPECT_FALSE(presented_credential(other, cookie_names(""), jar));
}

}  // namespace
}  // namespace tessera::api
