#include "auth/signed_ticket.h"

#include <gtest/gtest.h>

#include <string>

#include "base/base64url.h"

namespace tessera::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kKey(32, 'k');

TEST(TicketSignerTest, OpensWhatItMadeUntilItExpires) {
  const TicketSigner signer(kKey);
  const std::string t = signer.make({{"u", "alice"}, {"n", 7}}, kNow, 300);
  auto p = signer.open(t, kNow);
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["u"], "alice");
  EXPECT_EQ((*p)["n"], 7);
  EXPECT_EQ((*p)["exp"], kNow + 300);
  EXPECT_TRUE(signer.open(t, kNow + 299));
  EXPECT_FALSE(signer.open(t, kNow + 300));  // "exp" is the first second it is void
  // Another key's signer (another purpose, or another deployment) refuses it.
  EXPECT_FALSE(TicketSigner(std::string(32, 'x')).open(t, kNow));
  EXPECT_FALSE(TicketSigner("").open(t, kNow));
}

TEST(TicketSignerTest, RefusesAnyChangeAndAnyMalformedTicket) {
  const TicketSigner signer(kKey);
  const std::string t = signer.make({{"u", "alice"}}, kNow, 300);
  const std::size_t dot = t.find('.');
  // The payload rewritten (another user, a later expiry) with the old tag.
  const std::string forged =
      base::base64url_encode(R"({"u":"mallory","exp":1900000000})") + t.substr(dot);
  EXPECT_FALSE(signer.open(forged, kNow));
  for (std::size_t i = 0; i < t.size(); i += 7) {
    std::string bad = t;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(signer.open(bad, kNow)) << i;
  }
  for (const std::string& bad :
       {std::string(), std::string("."), t.substr(0, dot), t.substr(0, dot + 1), t + ".", t + "A",
        "." + t.substr(dot + 1), std::string(kMaxTicketBytes + 1, 'A')}) {
    EXPECT_FALSE(signer.open(bad, kNow)) << bad.substr(0, 40);
  }
}

TEST(TicketSignerTest, ASignedPayloadWithoutAnIntegerExpiryIsRefused) {
  // Only make() sets "exp"; a payload that somehow lacks a usable one is never taken as valid
  // forever. (Built here with the key, as only a bug in this file could.)
  const crypto::HmacKey mac(crypto::Hash::kSha256, kKey);
  for (const char* payload : {R"({"u":"a"})", R"({"u":"a","exp":"1900000000"})",
                              R"({"u":"a","exp":1.9e9})", R"(["exp",1900000000])", "null"}) {
    const std::string text = base::base64url_encode(payload);
    const std::string t = text + "." + base::base64url_encode(mac.mac(text).view());
    EXPECT_FALSE(TicketSigner(kKey).open(t, kNow)) << payload;
  }
}

}  // namespace
}  // namespace tessera::auth
