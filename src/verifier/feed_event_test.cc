// verifier/feed_event.h: the feed's events as docs/revocation-feed.md shows them, and strictness.
#include "verifier/feed_event.h"

#include <gtest/gtest.h>

namespace tessera::verifier {
namespace {

SseEvent event(std::string type, std::string data, std::string id = "7") {
  return {.type = std::move(type), .data = std::move(data), .last_event_id = std::move(id)};
}

TEST(FeedEvent, ReadsTheDocumentedEvents) {
  auto snap = read_feed_event(event(
      "snapshot",
      R"({"denied":[{"key":"AaJJyRwdCEp0iRBvYXBLVpibW-YgUg","exp":1796535176},{"key":"sid:lC","exp":5}],)"
      R"("not_before":[{"sub":"0c7e9896-a10f-44b8-8f2c-5a7f01ebf597","not_before_ms":1796534380123}],)"
      R"("complete_since_ms":0})",
      "41"));
  ASSERT_TRUE(snap) << snap.error();
  EXPECT_EQ(snap->kind, FeedEvent::Kind::kSnapshot);
  EXPECT_EQ(snap->snapshot.seq, 41);
  ASSERT_EQ(snap->snapshot.denied.size(), 2u);
  EXPECT_EQ(snap->snapshot.denied[1].key, "sid:lC");
  ASSERT_EQ(snap->snapshot.not_before.size(), 1u);
  EXPECT_EQ(snap->snapshot.not_before[0].user[0], 0x0c);
  EXPECT_EQ(snap->snapshot.not_before[0].not_before_ms, 1796534380123);

  auto revoke = read_feed_event(event("revoke", R"({"key":"k1","exp":99})", "42"));
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->kind, FeedEvent::Kind::kRevoke);
  EXPECT_EQ(revoke->id, 42);
  EXPECT_EQ(revoke->key, "k1");
  EXPECT_EQ(revoke->expires_at, 99);

  auto nb = read_feed_event(
      event("not_before", R"({"sub":"0c7e9896-a10f-44b8-8f2c-5a7f01ebf597","not_before_ms":5})"));
  ASSERT_TRUE(nb);
  EXPECT_EQ(nb->kind, FeedEvent::Kind::kNotBefore);
  EXPECT_EQ(nb->not_before_ms, 5);

  EXPECT_EQ(read_feed_event(event("keys", "{}", ""))->kind, FeedEvent::Kind::kKeys);
  EXPECT_EQ(read_feed_event(event("future_kind", "whatever"))->kind, FeedEvent::Kind::kOther);
}

TEST(FeedEvent, RefusesWhatItCannotApplyWhole) {
  for (const auto& [type, data, id] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"revoke", R"({"key":"k","exp":1})", ""},                   // no id
           {"revoke", R"({"key":"k","exp":1})", "4x"},                 // not decimal
           {"revoke", R"({"key":"k","exp":1})", "-4"},                 // negative
           {"revoke", R"({"key":"","exp":1})", "4"},                   // empty key
           {"revoke", R"({"key":"k","exp":"1"})", "4"},                // exp as a string
           {"revoke", R"(["k",1])", "4"},                              // not an object
           {"revoke", R"({"key":"k","exp":1)", "4"},                   // not JSON
           {"not_before", R"({"sub":"bob","not_before_ms":1})", "4"},  // not a UUID
           {"not_before", R"({"sub":"0c7e9896-a10f-44b8-8f2c-5a7f01ebf597"})", "4"},
           {"snapshot", R"({"denied":[],"complete_since_ms":0})", "4"},
           {"snapshot", R"({"denied":[{"key":"k"}],"not_before":[],"complete_since_ms":0})", "4"},
           {"snapshot", R"({"denied":[],"not_before":[],"complete_since_ms":1.5})", "4"},
       }) {
    EXPECT_FALSE(read_feed_event(event(type, data, id))) << type << " " << data << " id " << id;
  }
}

}  // namespace
}  // namespace tessera::verifier
