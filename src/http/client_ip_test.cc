#include "http/client_ip.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

Request from(std::string peer, std::initializer_list<const char*> xff = {}) {
  Request r;
  r.remote_address = std::move(peer);
  for (const char* v : xff) r.headers.add("X-Forwarded-For", v);
  return r;
}

TrustedProxies proxies(std::vector<std::string> cidrs) {
  auto p = TrustedProxies::parse(cidrs);
  EXPECT_TRUE(p) << p.error();
  return p.value_or(TrustedProxies{});
}

TEST(IpAddress, ParsesAndCanonicalizes) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->to_string(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("2001:DB8:0:0::1")->to_string(), "2001:db8::1");
  EXPECT_EQ(IpAddress::parse("::ffff:192.0.2.1")->to_string(), "192.0.2.1");  // mapped -> v4
  EXPECT_TRUE(IpAddress::parse("::ffff:192.0.2.1")->is_v4());
  EXPECT_EQ(*IpAddress::parse("::ffff:192.0.2.1"), *IpAddress::parse("192.0.2.1"));
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1.2.3.4:80", "[::1]",
                          "::1%eth0", "example.com", " 1.2.3.4", "::g", "1.2.3.4/8"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
  EXPECT_EQ(IpAddress::parse("192.0.2.77")->prefix(24).to_string(), "192.0.2.0");
  EXPECT_EQ(IpAddress::parse("2001:db8:1:2:3:4:5:6")->prefix(64).to_string(), "2001:db8:1:2::");
  EXPECT_EQ(IpAddress::parse("10.1.2.3")->prefix(0).to_string(), "0.0.0.0");
}

TEST(TrustedProxies, ParsesCidrsStrictly) {
  auto p = proxies({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1", "172.16.0.0/12"});
  EXPECT_TRUE(p.contains(*IpAddress::parse("10.200.3.4")));
  EXPECT_TRUE(p.contains(*IpAddress::parse("192.168.1.7")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("192.168.1.8")));
  EXPECT_TRUE(p.contains(*IpAddress::parse("fd12:3456::1")));
  EXPECT_TRUE(p.contains(*IpAddress::parse("::1")));
  EXPECT_TRUE(p.contains(*IpAddress::parse("172.31.255.255")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("172.32.0.0")));
  EXPECT_TRUE(p.contains(*IpAddress::parse("::ffff:10.0.0.1")));  // mapped form of a v4 proxy
  EXPECT_FALSE(p.contains(*IpAddress::parse("11.0.0.1")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("fe80::1")));
  // A v4 range never matches a real IPv6 address that happens to share the low bits.
  EXPECT_FALSE(proxies({"0.0.0.0/0"}).contains(*IpAddress::parse("2001:db8::1")));
  EXPECT_TRUE(proxies({"0.0.0.0/0"}).contains(*IpAddress::parse("203.0.113.9")));
  EXPECT_TRUE(proxies({}).empty());

  for (const char* bad : {"10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
                          "fd00::/129", "fd00::1/8", "nonsense", "", "10.0.0.0/08/1"}) {
    auto r = TrustedProxies::parse({bad});
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().find(bad), std::string::npos) << r.error();
    }
  }
}

TEST(ClientIp, UntrustedPeerIsTheClientWhateverTheHeaderSays) {
  auto p = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_ip(from("203.0.113.5", {"1.1.1.1"}), p), "203.0.113.5");
  EXPECT_EQ(client_ip(from("203.0.113.5"), p), "203.0.113.5");
  EXPECT_EQ(client_ip(from("::ffff:203.0.113.5", {"1.1.1.1"}), p), "203.0.113.5");
  // No trusted proxies configured: the header never counts.
  EXPECT_EQ(client_ip(from("10.0.0.1", {"1.1.1.1"}), proxies({})), "10.0.0.1");
}

TEST(ClientIp, TrustedPeerRightMostUntrustedHop) {
  auto p = proxies({"10.0.0.0/8", "2001:db8:ffff::/48"});
  EXPECT_EQ(client_ip(from("10.0.0.1", {"198.51.100.7"}), p), "198.51.100.7");
  // The client forged "6.6.6.6"; our proxy appended the real address it saw.
  EXPECT_EQ(client_ip(from("10.0.0.1", {"6.6.6.6, 198.51.100.7"}), p), "198.51.100.7");
  // Two of our proxies in a row.
  EXPECT_EQ(client_ip(from("10.0.0.1", {"6.6.6.6, 198.51.100.7, 10.9.9.9"}), p), "198.51.100.7");
  // Several fields form one list, in order.
  EXPECT_EQ(client_ip(from("10.0.0.1", {"6.6.6.6", "198.51.100.7, 10.1.1.1"}), p), "198.51.100.7");
  EXPECT_EQ(client_ip(from("10.0.0.1", {"2001:DB8::7"}), p), "2001:db8::7");
  EXPECT_EQ(client_ip(from("2001:db8:ffff::2", {"203.0.113.1"}), p), "203.0.113.1");
  // Everything trusted: the furthest one.
  EXPECT_EQ(client_ip(from("10.0.0.1", {"10.0.0.3, 10.0.0.2"}), p), "10.0.0.3");
}

TEST(ClientIp, MalformedOrEmptyHeaderGivesThePeer) {
  auto p = proxies({"10.0.0.0/8"});
  for (const char* xff :
       {"", " ", "unknown", "198.51.100.7:4711", "[2001:db8::1]", "1.2.3.4,,5.6.7.8",
        "198.51.100.7, ", "198.51.100.7 203.0.113.1", "_hidden, 1.2.3.4", "1.2.3.4;5.6.7.8"}) {
    EXPECT_EQ(client_ip(from("10.0.0.1", {xff}), p), "10.0.0.1") << xff;
  }
  EXPECT_EQ(client_ip(from("10.0.0.1", {"1.2.3.4", "junk"}), p), "10.0.0.1");
  EXPECT_EQ(client_ip(from("10.0.0.1"), p), "10.0.0.1");
  EXPECT_EQ(client_ip(from(""), p), "");
}

}  // namespace
}  // namespace tessera::http
