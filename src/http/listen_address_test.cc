#include "http/listen_address.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(ListenAddress, Ipv4) {
  auto a = parse_listen_address("127.0.0.1:8080");
  ASSERT_TRUE(a.has_value()) << a.error();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
}

TEST(ListenAddress, Ipv6InBracketsAndPortZero) {
  auto a = parse_listen_address("[::1]:0");
  ASSERT_TRUE(a.has_value()) << a.error();
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 0);
}

TEST(ListenAddress, LocalhostMeansLoopback) {
  EXPECT_EQ(parse_listen_address("localhost:1")->host, "127.0.0.1");
}

TEST(ListenAddress, Refused) {
  for (const char* bad : {"", "127.0.0.1", ":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1:+80", "127.0.0.1:80x", "::1:80"}) {
    auto a = parse_listen_address(bad);
    EXPECT_FALSE(a.has_value()) << bad;
    if (!a) {
      EXPECT_NE(a.error().find("invalid listen address"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace tessera::http
