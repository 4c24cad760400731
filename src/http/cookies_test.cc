#include "http/cookies.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

constexpr std::string_view kSession = "__Host-tessera_session";

TEST(CookieHeader, ParsesPairsInOrder) {
  Cookies jar = parse_cookie_header("a=1; __Host-tessera_session=abc_-DEF; empty=; q=\"quoted\"");
  ASSERT_EQ(jar.pairs().size(), 4u);
  EXPECT_EQ(jar.get("a"), "1");
  EXPECT_EQ(jar.get(kSession), "abc_-DEF");
  EXPECT_EQ(jar.get("empty"), "");
  EXPECT_EQ(jar.get("q"), "quoted");  // DQUOTEs removed (RFC 6265 section 4.1.1)
  EXPECT_EQ(jar.find("missing").state, CookieLookup::kAbsent);
  EXPECT_FALSE(jar.get("A"));  // names are case-sensitive
  EXPECT_FALSE(jar.has_duplicates());
}

TEST(CookieHeader, ToleratesWhitespaceAndEmptyElements) {
  for (std::string_view h :
       {"a=1;b=2", "a=1;  b=2", " a=1 ; b=2 ", "a=1; b=2;", "a=1;; b=2", "a=1;\tb=2"}) {
    Cookies jar = parse_cookie_header(h);
    EXPECT_EQ(jar.get("a"), "1") << h;
    EXPECT_EQ(jar.get("b"), "2") << h;
    EXPECT_EQ(jar.pairs().size(), 2u) << h;
  }
  EXPECT_TRUE(parse_cookie_header("").pairs().empty());
  EXPECT_TRUE(parse_cookie_header(" ; ;").pairs().empty());
}

// Issue 14, defect 5: any page on the host or a sibling domain can plant `x` or `=x`
// (document.cookie = "x"); RFC 6265 section 5.2 user agents skip such pairs, and so do we.
TEST(CookieHeader, NamelessPairsAreSkippedAndSpoilNothing) {
  for (std::string_view junk : {"=abc", "abc", " =1", "\t=2", "=", "lonely", "==", "= =x"}) {
    const std::string before = "a=1; " + std::string(junk) + "; __Host-tessera_session=s1";
    const std::string after = "a=1; __Host-tessera_session=s1; " + std::string(junk);
    for (const std::string& h : {before, after, std::string(junk)}) {
      Cookies jar = parse_cookie_header(h);
      for (const Cookies::Pair& p : jar.pairs()) EXPECT_FALSE(p.name.empty()) << h;
      if (h == junk) {
        EXPECT_TRUE(jar.pairs().empty()) << h;
        continue;
      }
      EXPECT_EQ(jar.pairs().size(), 2u) << h;
      EXPECT_EQ(jar.get("a"), "1") << h;
      EXPECT_EQ(jar.get(kSession), "s1") << h;
    }
  }
  // A bare name is a nameless cookie whose value happens to look like our name: not ours.
  EXPECT_EQ(parse_cookie_header("a=1; __Host-tessera_session").find(kSession).state,
            CookieLookup::kAbsent);
}

// A pair with a control character is somebody else's broken cookie: it is invalid under its
// own name and nothing else changes.
TEST(CookieHeader, ControlCharactersSpoilOnlyTheirPair) {
  for (std::string bad :
       {std::string("x=1\0b", 5), std::string("x=\x01"), std::string("x=1\r\nb=2"),
        std::string("x=1\x7f"), std::string("x=1\tx"), std::string("x=a\x1b[0m")}) {
    Cookies jar = parse_cookie_header("__Host-tessera_session=ok; " + bad + "; z=9");
    EXPECT_EQ(jar.get(kSession), "ok") << bad;
    EXPECT_EQ(jar.get("z"), "9") << bad;
    EXPECT_EQ(jar.find("x").state, CookieLookup::kInvalid) << bad;
  }
  // A control character in a name: that name is invalid, ours is untouched.
  Cookies jar = parse_cookie_header(std::string("a\x01=1; __Host-tessera_session=ok"));
  EXPECT_EQ(jar.find("a\x01").state, CookieLookup::kInvalid);
  EXPECT_EQ(jar.get(kSession), "ok");
  // Our own cookie with a control character in its value is invalid, never a credential.
  EXPECT_EQ(parse_cookie_header("__Host-tessera_session=ok\x01").find(kSession).state,
            CookieLookup::kInvalid);
}

TEST(CookieHeader, DuplicatesAreAmbiguous) {
  Cookies jar = parse_cookie_header("__Host-tessera_session=one; x=1; __Host-tessera_session=two");
  EXPECT_EQ(jar.find(kSession).state, CookieLookup::kDuplicate);
  EXPECT_FALSE(jar.get(kSession));
  EXPECT_TRUE(jar.has_duplicates());
  EXPECT_EQ(jar.get("x"), "1");
  // An invalid copy still counts: a planted malformed twin must not let the other one win.
  EXPECT_EQ(parse_cookie_header("__Host-tessera_session=one; __Host-tessera_session=t\x01wo")
                .find(kSession)
                .state,
            CookieLookup::kDuplicate);
}

// RFC 6265bis section 5.6: the browser serializes a nameless cookie with value
// `__Host-tessera_session=evil` as exactly that, so it arrives as a named pair; beside the real
// cookie it is a duplicate, and the lookup refuses to choose.
TEST(CookieHeader, NamelessCookieWithOurNameInItsValueIsCaughtAsADuplicate) {
  Cookies jar = parse_cookie_header("__Host-tessera_session=evil; __Host-tessera_session=real");
  EXPECT_EQ(jar.find(kSession).state, CookieLookup::kDuplicate);
}

TEST(CookieHeader, ForeignValuesAreInvalidOnlyForTheirName) {
  // Another application's sloppy cookie does not spoil ours.
  Cookies jar =
      parse_cookie_header(R"(prefs={"a":1,"b":2}; __Host-tessera_session=ok; sp=a b; utf=caf)"
                          "\xc3\xa9"
                          "; bs=a\\b");
  EXPECT_EQ(jar.get(kSession), "ok");
  for (std::string_view name : {"prefs", "sp", "utf", "bs"}) {
    EXPECT_EQ(jar.find(name).state, CookieLookup::kInvalid) << name;
    EXPECT_FALSE(jar.get(name)) << name;
  }
  Cookies bad_name = parse_cookie_header("a(b)=1; c=2");
  EXPECT_EQ(bad_name.find("a(b)").state, CookieLookup::kInvalid);
  EXPECT_EQ(bad_name.get("c"), "2");
}

TEST(CookieHeader, SeveralCookieFieldsAreOneList) {
  Headers h;
  h.add("Cookie", "__Host-tessera_session=one");
  h.add("Accept", "*/*");
  h.add("cookie", "__Host-tessera_session=two");  // a second field cannot hide a duplicate
  EXPECT_EQ(parse_cookies(h).find(kSession).state, CookieLookup::kDuplicate);
  EXPECT_TRUE(parse_cookies(Headers{}).pairs().empty());
  Headers planted;
  planted.add("Cookie", "a=1");
  planted.add("Cookie", "=x");
  planted.add("Cookie", "y");
  Cookies jar = parse_cookies(planted);
  EXPECT_EQ(jar.get("a"), "1");
  EXPECT_EQ(jar.pairs().size(), 1u);
}

TEST(SetCookie, DefaultsAreStrict) {
  SetCookie c{.name = "__Host-tessera_session", .value = "abc"};
  EXPECT_EQ(c.to_string().value(),
            "__Host-tessera_session=abc; Path=/; Secure; HttpOnly; SameSite=Lax");
  c.max_age = 900;
  c.same_site = SameSite::kStrict;
  EXPECT_EQ(c.to_string().value(),
            "__Host-tessera_session=abc; Path=/; Max-Age=900; Secure; HttpOnly; SameSite=Strict");
}

TEST(SetCookie, CsrfCookieIsReadableByThePage) {
  SetCookie c{.name = "__Host-tessera_csrf", .value = "tok", .http_only = false};
  EXPECT_EQ(c.to_string().value(), "__Host-tessera_csrf=tok; Path=/; Secure; SameSite=Lax");
}

TEST(SetCookie, RefreshCookieWithItsOwnPath) {
  SetCookie c{.name = "__Secure-tessera_refresh",
              .value = "r",
              .path = "/auth/refresh",
              .max_age = 86400,
              .same_site = SameSite::kStrict};
  EXPECT_EQ(c.to_string().value(),
            "__Secure-tessera_refresh=r; Path=/auth/refresh; Max-Age=86400; Secure; HttpOnly; "
            "SameSite=Strict");
}

TEST(SetCookie, HostPrefixRulesAreEnforced) {
  SetCookie c{.name = "__Host-x", .value = "v"};
  SetCookie no_secure = c;
  no_secure.secure = false;
  EXPECT_FALSE(no_secure.to_string());
  SetCookie narrow = c;
  narrow.path = "/auth";
  EXPECT_FALSE(narrow.to_string());
  SetCookie domain = c;
  domain.domain = "example.com";
  EXPECT_FALSE(domain.to_string());
  SetCookie lower = c;  // browsers match prefixes case-insensitively
  lower.name = "__host-x";
  lower.secure = false;
  EXPECT_FALSE(lower.to_string());
  SetCookie secure_prefix{.name = "__Secure-y", .value = "v", .secure = false};
  EXPECT_FALSE(secure_prefix.to_string());
}

TEST(SetCookie, RefusesWhatBrowsersWouldMangle) {
  EXPECT_FALSE((SetCookie{.name = "", .value = "v"}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a b", .value = "v"}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a", .value = "v;w"}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a", .value = "v w"}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a", .value = "\"v\""}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a", .value = "v", .path = "rel"}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a", .value = "v", .path = "/a;b"}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a", .value = "v", .domain = "ex ample"}.to_string()));
  EXPECT_FALSE((SetCookie{.name = "a", .value = "v", .max_age = -1}.to_string()));
  auto with_domain = SetCookie{.name = "a", .value = "v", .domain = "example.com"}.to_string();
  ASSERT_TRUE(with_domain);
  EXPECT_EQ(*with_domain, "a=v; Path=/; Domain=example.com; Secure; HttpOnly; SameSite=Lax");
}

TEST(SetCookie, DeletionExpiresAtOnceWithTheSameScope) {
  SetCookie c{.name = "__Host-tessera_session", .value = "abc", .max_age = 900};
  EXPECT_EQ(c.deletion().to_string().value(),
            "__Host-tessera_session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
  SetCookie r{.name = "__Secure-tessera_refresh", .value = "r", .path = "/auth/refresh"};
  EXPECT_EQ(r.deletion().to_string().value(),
            "__Secure-tessera_refresh=; Path=/auth/refresh; Max-Age=0; Secure; HttpOnly; "
            "SameSite=Lax");
}

}  // namespace
}  // namespace tessera::http
