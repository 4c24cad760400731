#include "http/message.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(Headers, GetIsCaseInsensitiveAndReturnsTheFirst) {
  Headers h;
  h.add("Set-Cookie", "a=1");
  h.add("set-cookie", "b=2");
  EXPECT_EQ(h.get("SET-COOKIE"), "a=1");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_FALSE(h.get("Cookie").has_value());
}

TEST(Headers, SetReplacesEveryFieldOfTheName) {
  Headers h;
  h.add("X-A", "1");
  h.add("x-a", "2");
  h.add("X-B", "3");
  h.set("X-a", "4");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("x-a"), "4");
  h.erase("X-B");
  EXPECT_FALSE(h.has("x-b"));
}

TEST(SplitTarget, OriginForm) {
  EXPECT_EQ(split_target("/a/b"), std::make_pair(std::string("/a/b"), std::string()));
  EXPECT_EQ(split_target("/a?x=1&y"), std::make_pair(std::string("/a"), std::string("x=1&y")));
  EXPECT_EQ(split_target("/?"), std::make_pair(std::string("/"), std::string()));
}

TEST(SplitTarget, AbsoluteFormKeepsOnlyPathAndQuery) {
  EXPECT_EQ(split_target("http://example.com/healthz?x"),
            std::make_pair(std::string("/healthz"), std::string("x")));
  EXPECT_EQ(split_target("HTTPS://example.com"), std::make_pair(std::string("/"), std::string()));
  EXPECT_EQ(split_target("http://example.com?q"),
            std::make_pair(std::string("/"), std::string("q")));
}

TEST(SplitTarget, OtherFormsMatchNoRoute) {
  EXPECT_EQ(split_target("*").first, "*");
  EXPECT_EQ(split_target("example.com:443").first, "example.com:443");
}

TEST(MakeResponse, SetsStatusTypeAndBody) {
  Response r = make_response(201, "{}");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  EXPECT_EQ(r.body, "{}");
}

TEST(HttpDate, ImfFixdate) {
  EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
}

}  // namespace
}  // namespace tessera::http
