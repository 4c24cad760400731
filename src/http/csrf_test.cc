#include "http/csrf.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

const std::vector<std::string> kAllowed = {"https://app.example.com", "http://localhost:8080",
                                           "https://[2001:db8::1]:8443"};

Request post(std::initializer_list<std::pair<const char*, const char*>> headers) {
  Request r;
  r.method = "POST";
  r.path = r.target = "/auth/logout";
  for (const auto& [n, v] : headers) r.headers.add(n, v);
  return r;
}

TEST(Csrf, UnsafeMethods) {
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE", "PURGE", "get"}) {
    EXPECT_TRUE(is_unsafe_method(m)) << m;
  }
  for (const char* m : {"GET", "HEAD", "OPTIONS", "TRACE"}) EXPECT_FALSE(is_unsafe_method(m)) << m;
}

TEST(Csrf, NormalizeOrigin) {
  EXPECT_EQ(normalize_origin("https://app.example.com").value(), "https://app.example.com");
  EXPECT_EQ(normalize_origin("HTTPS://App.Example.COM:443").value(), "https://app.example.com");
  EXPECT_EQ(normalize_origin("http://a.example:80").value(), "http://a.example");
  EXPECT_EQ(normalize_origin("http://a.example:443").value(), "http://a.example:443");
  EXPECT_EQ(normalize_origin("https://127.0.0.1:8443").value(), "https://127.0.0.1:8443");
  EXPECT_EQ(normalize_origin("https://[2001:DB8:0::1]:8443").value(), "https://[2001:db8::1]:8443");
  for (std::string_view bad : {"null",
                               "",
                               "app.example.com",
                               "ftp://a.example",
                               "https://",
                               "https://:443",
                               "https://a.example/",
                               "https://a.example/x",
                               "https://a.example?x",
                               "https://a.example#x",
                               "https://user@a.example",
                               "https://a.example:0",
                               "https://a.example:65536",
                               "https://a.example:",
                               "https://a.example:-1",
                               "https://a.example:+80",
                               "https://a..example",
                               "https://.a.example",
                               "https://a.example.",
                               "https://a_b.example",
                               "https://[::1",
                               "https://[zz::1]",
                               "https://[::1]x",
                               "https://a.example:443:443",
                               "https://a%2eexample",
                               "javascript://a.example"}) {
    EXPECT_FALSE(normalize_origin(bad)) << bad;
  }
}

TEST(Csrf, OriginOfUrl) {
  EXPECT_EQ(origin_of_url("https://app.example.com/account?x=1#f").value(),
            "https://app.example.com");
  EXPECT_EQ(origin_of_url("https://app.example.com:443").value(), "https://app.example.com");
  EXPECT_EQ(origin_of_url("http://localhost:8080/").value(), "http://localhost:8080");
  EXPECT_FALSE(origin_of_url("/relative/path"));
  EXPECT_FALSE(origin_of_url("https://user:pw@app.example.com/"));
  EXPECT_FALSE(origin_of_url("about:blank"));
}

TEST(Csrf, AllowedOriginPasses) {
  EXPECT_EQ(check_origin(post({{"Origin", "https://app.example.com"}}), kAllowed),
            OriginCheck::kOk);
  EXPECT_EQ(check_origin(post({{"Origin", "http://localhost:8080"}}), kAllowed), OriginCheck::kOk);
  EXPECT_EQ(check_origin(post({{"Origin", "https://app.example.com:443"}}), kAllowed),
            OriginCheck::kOk);
  EXPECT_EQ(check_origin(post({{"Origin", "https://[2001:db8::1]:8443"}}), kAllowed),
            OriginCheck::kOk);
  // Configured entries are normalized too.
  EXPECT_EQ(
      check_origin(post({{"Origin", "https://app.example.com"}}), {"HTTPS://APP.example.com:443"}),
      OriginCheck::kOk);
}

TEST(Csrf, AttackOriginsAreRefused) {
  for (const char* evil :
       {"https://evil.com", "null", "https://app.example.com.evil.com",
        "https://evilapp.example.com", "https://sub.app.example.com", "http://app.example.com",
        "https://app.example.com:8443", "https://app.example.co", "https://app.example.com/",
        "https://app.example.com@evil.com", "https://evil.com/https://app.example.com",
        "https://app.example.com https://evil.com", "http://localhost:8081",
        "http://127.0.0.1:8080", "", "https://app.example.com\t"}) {
    EXPECT_EQ(check_origin(post({{"Origin", evil}}), kAllowed), OriginCheck::kNotAllowed) << evil;
  }
  // An allowed Origin does not excuse a second, evil one.
  EXPECT_EQ(
      check_origin(post({{"Origin", "https://app.example.com"}, {"Origin", "https://evil.com"}}),
                   kAllowed),
      OriginCheck::kNotAllowed);
  // A malformed allowed-list entry matches nothing.
  EXPECT_EQ(check_origin(post({{"Origin", "https://app.example.com"}}), {"app.example.com"}),
            OriginCheck::kNotAllowed);
  EXPECT_EQ(check_origin(post({{"Origin", "null"}}), {"null"}), OriginCheck::kNotAllowed);
}

TEST(Csrf, RefererIsTheFallback) {
  EXPECT_EQ(check_origin(post({{"Referer", "https://app.example.com/account"}}), kAllowed),
            OriginCheck::kOk);
  EXPECT_EQ(
      check_origin(post({{"Referer", "https://evil.com/?https://app.example.com"}}), kAllowed),
      OriginCheck::kNotAllowed);
  EXPECT_EQ(check_origin(post({{"Referer", "https://app.example.com.evil.com/"}}), kAllowed),
            OriginCheck::kNotAllowed);
  EXPECT_EQ(check_origin(post({{"Referer", "https://app.example.com@evil.com/"}}), kAllowed),
            OriginCheck::kNotAllowed);
  EXPECT_EQ(check_origin(post({{"Referer", "/account"}}), kAllowed), OriginCheck::kNotAllowed);
  EXPECT_EQ(check_origin(
                post({{"Referer", "https://app.example.com/a"}, {"Referer", "https://evil.com/"}}),
                kAllowed),
            OriginCheck::kNotAllowed);
  // Origin, when sent, decides: a good Referer does not rescue a bad Origin.
  EXPECT_EQ(check_origin(post({{"Origin", "https://evil.com"},
                               {"Referer", "https://app.example.com/account"}}),
                         kAllowed),
            OriginCheck::kNotAllowed);
  EXPECT_EQ(
      check_origin(post({{"Origin", "null"}, {"Referer", "https://app.example.com/"}}), kAllowed),
      OriginCheck::kNotAllowed);
}

TEST(Csrf, NeitherHeaderIsMissing) {
  EXPECT_EQ(check_origin(post({}), kAllowed), OriginCheck::kMissing);
  EXPECT_EQ(check_origin(post({{"X-Other", "1"}}), {}), OriginCheck::kMissing);
  EXPECT_EQ(check_origin(post({{"Origin", "https://app.example.com"}}), {}),
            OriginCheck::kNotAllowed);
}

TEST(Csrf, TokenFromTheHeader) {
  EXPECT_EQ(presented_csrf_token(post({{"X-CSRF-Token", "t0k"}})), "t0k");
  EXPECT_EQ(presented_csrf_token(post({{"x-csrf-token", "t0k"}})), "t0k");
  EXPECT_FALSE(presented_csrf_token(post({})));
  EXPECT_FALSE(presented_csrf_token(post({{"X-CSRF-Token", ""}})));
  EXPECT_FALSE(presented_csrf_token(post({{"X-CSRF-Token", "a"}, {"X-CSRF-Token", "b"}})));
}

TEST(Csrf, TokenFromAFormField) {
  Request r = post({{"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"}});
  r.body = "current_password=x&csrf_token=abc%2D_123&z=1";
  EXPECT_EQ(presented_csrf_token(r), "abc-_123");
  // The header wins when both are sent.
  r.headers.add("X-CSRF-Token", "from-header");
  EXPECT_EQ(presented_csrf_token(r), "from-header");

  Request dup = post({{"Content-Type", "application/x-www-form-urlencoded"}});
  dup.body = "csrf_token=a&csrf_token=b";
  EXPECT_FALSE(presented_csrf_token(dup));
  Request malformed = post({{"Content-Type", "application/x-www-form-urlencoded"}});
  malformed.body = "csrf_token=abc&x=%zz";
  EXPECT_FALSE(presented_csrf_token(malformed));
  Request empty = post({{"Content-Type", "application/x-www-form-urlencoded"}});
  empty.body = "csrf_token=";
  EXPECT_FALSE(presented_csrf_token(empty));
  // Only form bodies are searched: a JSON body's "csrf_token" member is not a form field.
  Request json = post({{"Content-Type", "application/json"}});
  json.body = "csrf_token=abc";
  EXPECT_FALSE(presented_csrf_token(json));
}

}  // namespace
// web.cookie_domain (SPEC.md "Gateway"): https origins under the domain act like allowed ones;
// look-alikes, other schemes and IP literals never do.
TEST(OriginAllowed, ConfiguredOriginsAndHttpsHostsUnderTheCookieDomain) {
  const std::vector<std::string> allowed = {"https://id.example.com", "http://127.0.0.1:8080"};
  EXPECT_TRUE(origin_allowed("https://id.example.com", allowed));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", allowed));
  EXPECT_FALSE(origin_allowed("https://wiki.example.com", allowed));
  EXPECT_TRUE(origin_allowed("https://wiki.example.com", allowed, "example.com"));
  EXPECT_TRUE(origin_allowed("https://example.com", allowed, "example.com"));
  EXPECT_TRUE(origin_allowed("https://a.b.example.com:8443", allowed, "example.com"));
  for (const char* bad :
       {"http://wiki.example.com", "https://badexample.com", "https://example.com.evil",
        "https://wiki.example.co", "https://[::1]", "null", "https://com"}) {
    EXPECT_FALSE(origin_allowed(bad, allowed, "example.com")) << bad;
  }
  EXPECT_TRUE(host_within_domain("a.example.com", "example.com"));
  EXPECT_FALSE(host_within_domain("aexample.com", "example.com"));
  EXPECT_FALSE(host_within_domain("example.com", ""));
  EXPECT_FALSE(host_within_domain("[::1]", "example.com"));
}

TEST(CheckOrigin, FollowsTheCookieDomain) {
  Request req;
  req.headers.add("Origin", "https://wiki.example.com");
  EXPECT_EQ(check_origin(req, {"https://id.example.com"}), OriginCheck::kNotAllowed);
  EXPECT_EQ(check_origin(req, {"https://id.example.com"}, "example.com"), OriginCheck::kOk);
  Request sibling;
  sibling.headers.add("Origin", "https://example.com.evil");
  EXPECT_EQ(check_origin(sibling, {}, "example.com"), OriginCheck::kNotAllowed);
}

}  // namespace tessera::http
