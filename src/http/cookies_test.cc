#include "http/cookies.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

constexpr std::string_view kSession = "__Host-tessera_session";

TEST(CookieHeader, ParsesPairsInOrder) {
  auto jar = parse_cookie_header("a=1; __Host-tessera_session=abc_-DEF; empty=; q=\"quoted\"");
  ASSERT_TRUE(jar) << jar.error();
  ASSERT_EQ(jar->pairs().size(), 4u);
  EXPECT_EQ(jar->get("a"), "1");
  EXPECT_EQ(jar->get(kSession), "abc_-DEF");
  EXPECT_EQ(jar->get("empty"), "");
  EXPECT_EQ(jar->get("q"), "quoted");  // DQUOTEs removed (RFC 6265 section 4.1.1)
  EXPECT_EQ(jar->find("missing").state, CookieLookup::kAbsent);
  EXPECT_FALSE(jar->get("A"));  // names are case-sensitive
  EXPECT_FALSE(jar->has_duplicates());
}

TEST(CookieHeader, ToleratesWhitespaceAndEmptyElements) {
  for (std::string_view h :
       {"a=1;b=2", "a=1;  b=2", " a=1 ; b=2 ", "a=1; b=2;", "a=1;; b=2", "a=1;\tb=2"}) {
    auto jar = parse_cookie_header(h);
    ASSERT_TRUE(jar) << h;
    EXPECT_EQ(jar->get("a"), "1") << h;
    EXPECT_EQ(jar->get("b"), "2") << h;
  }
  auto empty = parse_cookie_header("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->pairs().empty());
}

TEST(CookieHeader, NamelessCookiesRefuseTheHeader) {
  // "=v" and a bare "v" are both nameless cookies (RFC 6265bis section 5.6); the second is how
  // a fake "__Host-" cookie gets smuggled in.
  for (std::string_view h :
       {"=abc", "a=1; =x", "abc", "a=1; __Host-tessera_session", " =1", "a=1; \t=2"}) {
    auto jar = parse_cookie_header(h);
    EXPECT_FALSE(jar) << h;
  }
}

TEST(CookieHeader, ControlCharactersRefuseTheHeader) {
  for (std::string h : {std::string("a=1\0b", 5), std::string("a=\x01"), std::string("a=1\r\nb=2"),
                        std::string("a=1\x7f"), std::string("a=1\tx")}) {
    EXPECT_FALSE(parse_cookie_header(h)) << h;
  }
}

TEST(CookieHeader, DuplicatesAreAmbiguous) {
  auto jar = parse_cookie_header("__Host-tessera_session=one; x=1; __Host-tessera_session=two");
  ASSERT_TRUE(jar);
  EXPECT_EQ(jar->find(kSession).state, CookieLookup::kDuplicate);
  EXPECT_FALSE(jar->get(kSession));
  EXPECT_TRUE(jar->has_duplicates());
  EXPECT_EQ(jar->get("x"), "1");
}

TEST(CookieHeader, ForeignValuesAreInvalidOnlyForTheirName) {
  // Another application's sloppy cookie does not spoil ours.
  auto jar =
      parse_cookie_header(R"(prefs={"a":1,"b":2}; __Host-tessera_session=ok; sp=a b; utf=caf)"
                          "\xc3\xa9"
                          "; bs=a\\b");
  ASSERT_TRUE(jar) << jar.error();
  EXPECT_EQ(jar->get(kSession), "ok");
  for (std::string_view name : {"prefs", "sp", "utf", "bs"}) {
    EXPECT_EQ(jar->find(name).state, CookieLookup::kInvalid) << name;
    EXPECT_FALSE(jar->get(name)) << name;
  }
  auto bad_name = parse_cookie_header("a(b)=1; c=2");
  ASSERT_TRUE(bad_name);
  EXPECT_EQ(bad_name->find("a(b)").state, CookieLookup::kInvalid);
  EXPECT_EQ(bad_name->get("c"), "2");
}

TEST(CookieHeader, SeveralCookieFieldsAreOneList) {
  Headers h;
  h.add("Cookie", "__Host-tessera_session=one");
  h.add("Accept", "*/*");
  h.add("cookie", "__Host-tessera_session=two");  // a second field cannot hide a duplicate
  auto jar = parse_cookies(h);
  ASSERT_TRUE(jar);
  EXPECT_EQ(jar->find(kSession).state, CookieLookup::kDuplicate);
  EXPECT_TRUE(parse_cookies(Headers{})->pairs().empty());
  Headers bad;
  bad.add("Cookie", "a=1");
  bad.add("Cookie", "=x");
  EXPECT_FALSE(parse_cookies(bad));
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
