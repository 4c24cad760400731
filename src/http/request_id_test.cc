#include "http/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tessera::http {
namespace {

Request from(std::string peer, std::optional<std::string> sent) {
  Request req;
  req.remote_address = std::move(peer);
  if (sent) req.headers.add("X-Request-Id", *sent);
  return req;
}

bool hex32(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(RequestIdTest, ValidIdsAreShortAndPlain) {
  EXPECT_TRUE(valid_request_id("a"));
  EXPECT_TRUE(valid_request_id("4bf92f35-77b3-4da6-a3ce-929d0e0e4736"));
  EXPECT_TRUE(valid_request_id("req_1.2:3-4"));
  EXPECT_TRUE(valid_request_id(std::string(128, 'x')));
  EXPECT_FALSE(valid_request_id(""));
  EXPECT_FALSE(valid_request_id(std::string(129, 'x')));
  EXPECT_FALSE(valid_request_id("two words"));
  EXPECT_FALSE(valid_request_id("line\nforged"));
  EXPECT_FALSE(valid_request_id("a\"b"));
  EXPECT_FALSE(valid_request_id("k=v"));
  EXPECT_FALSE(valid_request_id("caf\xc3\xa9"));
}

TEST(RequestIdTest, NewIdsAre128RandomBitsInHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {  // more than one block of the per-thread buffer
    const std::string id = new_request_id();
    EXPECT_TRUE(hex32(id)) << id;
    EXPECT_TRUE(valid_request_id(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RequestIdTest, OnlyATrustedProxyChoosesTheId) {
  const auto proxies = *TrustedProxies::parse({"10.0.0.0/8"});
  EXPECT_EQ(request_id_for(from("10.1.2.3", "proxy-id-1"), proxies), "proxy-id-1");
  // An untrusted peer's id is never taken, valid or not.
  const std::string mine = request_id_for(from("192.0.2.7", "proxy-id-1"), proxies);
  EXPECT_NE(mine, "proxy-id-1");
  EXPECT_TRUE(hex32(mine));
  EXPECT_TRUE(hex32(request_id_for(from("192.0.2.7", "proxy-id-1"), TrustedProxies{})));
  // A trusted proxy's invalid id is replaced.
  EXPECT_TRUE(hex32(request_id_for(from("10.1.2.3", "bad id"), proxies)));
  EXPECT_TRUE(hex32(request_id_for(from("10.1.2.3", std::string(129, 'a')), proxies)));
  EXPECT_TRUE(hex32(request_id_for(from("10.1.2.3", std::nullopt), proxies)));
}

}  // namespace
}  // namespace tessera::http
