#include "store/redis/url.h"

#include <gtest/gtest.h>

#include "store/redis/change_message.h"

namespace tessera::store::redis {
namespace {

TEST(RedisUrl, ParsesEveryPart) {
  auto u = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->password, "");
  EXPECT_EQ(u->db, 0);

  u = parse_redis_url("redis://:p%40ss:w@cache.internal:7000/3");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->host, "cache.internal");
  EXPECT_EQ(u->port, 7000);
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->password, "p@ss:w");  // percent-decoded; only the first ':' splits
  EXPECT_EQ(u->db, 3);

  u = parse_redis_url("redis://tessera:secret@[::1]/");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(u->user, "tessera");
  EXPECT_EQ(u->password, "secret");
  EXPECT_EQ(u->db, 0);
}

TEST(RedisUrl, RejectsWhatItCannotUseWithoutRepeatingThePassword) {
  for (const char* bad :
       {"", "127.0.0.1:6379", "rediss://host:6379", "redis://", "redis://:6379",
        "redis://host:", "redis://host:0", "redis://host:65536", "redis://host:63x9",
        "redis://host/-1", "redis://host/one", "redis://[::1", "redis://[::1]x",
        "redis://user@host", "redis://:@host", "redis://:%zz@host", "redis://host?db=1"}) {
    auto u = parse_redis_url(bad);
    EXPECT_FALSE(u) << bad;
  }
  auto u = parse_redis_url("redis://:hunter2@host:notaport");
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().find("hunter2"), std::string::npos) << u.error();
}

TEST(ChangeMessage, RoundTripsEveryTopicAndIgnoresUnknownTags) {
  for (auto [topic, payload] :
       {std::pair(ChangeTopic::kRevocation, ""), std::pair(ChangeTopic::kKeys, ""),
        std::pair(ChangeTopic::kSession, "ab12"), std::pair(ChangeTopic::kSession, "")}) {
    const std::string message = encode_change(topic, payload);
    auto decoded = decode_change(message);  // views into `message`
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->first, topic);
    EXPECT_EQ(decoded->second, payload);
  }
  EXPECT_FALSE(decode_change(""));
  EXPECT_FALSE(decode_change("x-from-a-newer-version"));
}

}  // namespace
}  // namespace tessera::store::redis
