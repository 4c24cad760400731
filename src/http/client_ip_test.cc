#include "http/client_ip.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

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

TEST(ClientIp, NoElementsMeansTheProxysOwnRequest) {
  auto p = proxies({"10.0.0.0/8"});
  for (const char* xff : {"", " ", ",", " , ,\t"}) {
    EXPECT_EQ(client_ip(from("10.0.0.1", {xff}), p), "10.0.0.1") << xff;
  }
  EXPECT_EQ(client_ip(from("10.0.0.1"), p), "10.0.0.1");
  EXPECT_EQ(client_ip(from(""), p), "");
}

// RFC 9110 section 5.6.1: empty list elements are ignored, not errors.
TEST(ClientIp, EmptyElementsAreIgnored) {
  auto p = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_ip(from("10.0.0.1", {"1.2.3.4,,5.6.7.8"}), p), "5.6.7.8");
  EXPECT_EQ(client_ip(from("10.0.0.1", {"198.51.100.7, "}), p), "198.51.100.7");
  EXPECT_EQ(client_ip(from("10.0.0.1", {",198.51.100.7,,10.0.0.9,"}), p), "198.51.100.7");
}

// Issue 14, defect 3: a malformed element where the client should be is the client's own
// claim (or a proxy's odd rendering of it). It must never become the proxy's address: the
// client is unparseable, keyed by what it said.
TEST(ClientIp, MalformedClientElementIsAnUnparseableClientNeverThePeer) {
  auto p = proxies({"10.0.0.0/8"});
  for (const char* xff :
       {"unknown", "198.51.100.7:4711", "[2001:db8::1]", "198.51.100.7 203.0.113.1",
        "1.2.3.4;5.6.7.8", "_hidden", "fe80::1%eth0", "01.2.3.4", "6.6.6.6, junk", "junk, 10.0.0.7",
        "junk, 10.0.0.7,10.0.0.8"}) {
    std::string ip = client_ip(from("10.0.0.1", {xff}), p);
    EXPECT_NE(ip, "10.0.0.1") << xff;
    EXPECT_TRUE(is_unparseable_client(ip)) << xff << " -> " << ip;
    EXPECT_FALSE(IpAddress::parse(ip)) << ip;
  }
  EXPECT_EQ(client_ip(from("10.0.0.1", {"unknown"}), p), "unparseable:unknown");
  EXPECT_EQ(client_ip(from("10.0.0.1", {"6.6.6.6, 198.51.100.7:4711, 10.0.0.2"}), p),
            "unparseable:198.51.100.7:4711");
  // Several fields: the malformed one is in the last field, appended to by our proxy.
  EXPECT_EQ(client_ip(from("10.0.0.1", {"1.2.3.4", "junk"}), p), "unparseable:junk");
  // Different claims are different clients; the same claim is one client.
  EXPECT_NE(client_ip(from("10.0.0.1", {"junk-a"}), p), client_ip(from("10.0.0.1", {"junk-b"}), p));
  EXPECT_EQ(client_ip(from("10.0.0.1", {"junk-a"}), p), client_ip(from("10.0.0.2", {"junk-a"}), p));
}

// Malformed elements to the left of the client were written by whoever the client is: they
// are never reached, whatever they hold.
TEST(ClientIp, MalformedElementsLeftOfTheClientDoNotMatter) {
  auto p = proxies({"10.0.0.0/8"});
  for (const char* xff : {"junk, 198.51.100.7", "_hidden, 198.51.100.7", "[::1]:80, 198.51.100.7",
                          "a b c, 198.51.100.7, 10.9.9.9", "unknown,,198.51.100.7"}) {
    EXPECT_EQ(client_ip(from("10.0.0.1", {xff}), p), "198.51.100.7") << xff;
  }
  EXPECT_EQ(client_ip(from("10.0.0.1", {"junk", "198.51.100.7"}), p), "198.51.100.7");
}

TEST(ClientIp, UnparseableKeysArePrintableBoundedAndDistinct) {
  EXPECT_EQ(unparseable_client_key("a b%\"\\~\x01\xff"), "unparseable:a%20b%25%22%5C%7E%01%FF");
  EXPECT_TRUE(is_unparseable_client(unparseable_client_key("")));
  EXPECT_FALSE(is_unparseable_client("192.0.2.1"));
  // Long elements: cut, with a hash of the whole element; never a %XX split in two.
  std::set<std::string> keys;
  for (std::size_t n : {40, 52, 53, 60, 100, 8000}) {
    for (char last : {'x', 'y', '\x01'}) {
      std::string element(n, 'a');
      element.back() = last;
      std::string key = unparseable_client_key(element);
      EXPECT_LE(key.size(), kMaxClientKeyBytes) << n;
      EXPECT_TRUE(is_unparseable_client(key));
      for (char c : key) EXPECT_TRUE(c >= 0x21 && c <= 0x7E) << key;
      keys.insert(key);
    }
  }
  EXPECT_EQ(keys.size(), 18u);
  for (std::size_t shift = 0; shift < 4; ++shift) {
    std::string key = unparseable_client_key(std::string(shift, 'a') + std::string(60, ' '));
    std::size_t tilde = key.find('~');
    ASSERT_NE(tilde, std::string::npos) << key;
    EXPECT_EQ(key.size() - tilde, 17u) << key;  // '~' and 16 hex digits
    for (std::size_t i = key.find('%'); i != std::string::npos; i = key.find('%', i + 1)) {
      EXPECT_LT(i + 2, tilde) << key;  // every %XX whole
    }
  }
}

}  // namespace
}  // namespace tessera::http
