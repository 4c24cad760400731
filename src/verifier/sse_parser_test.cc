// verifier/sse_parser.h: the HTML standard's event-stream rules, fed in every split.
#include "verifier/sse_parser.h"

#include <gtest/gtest.h>

#include <vector>

namespace tessera::verifier {
namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view stream, std::size_t piece) {
  std::vector<SseEvent> out;
  SseParser p([&](const SseEvent& e) { out.push_back(e); }, 1024);
  for (std::size_t i = 0; i < stream.size(); i += piece) {
    EXPECT_TRUE(p.feed(stream.substr(i, piece)));
  }
  return out;
}

TEST(SseParser, ReadsEventsWhateverTheChunkingAndLineEndings) {
  const std::string_view stream =
      "retry: 2000\r\n\r\n: keep-alive\n\nid: 41\nevent: snapshot\ndata: {\"a\":1}\n\n"
      "id: 42\revent: revoke\rdata:x\rdata: y\r\r"
      "event: keys\r\ndata: {}\r\n\r\n"
      "data: no end";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
    auto events = parse_in_pieces(stream, piece);
    ASSERT_EQ(events.size(), 3u) << piece;
    EXPECT_EQ(events[0].type, "snapshot");
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[0].last_event_id, "41");
    EXPECT_EQ(events[1].type, "revoke");
    EXPECT_EQ(events[1].data, "x\ny");  // data lines joined; one space after ':' dropped
    EXPECT_EQ(events[1].last_event_id, "42");
    EXPECT_EQ(events[2].type, "keys");
    EXPECT_EQ(events[2].last_event_id, "42");  // the id persists
  }
}

TEST(SseParser, AnEventWithoutDataIsNotDispatched) {
  auto events = parse_in_pieces("event: revoke\nid: 9\n\n: comment\n\ndata\n\n", 5);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "message");  // the type was reset by the empty line
  EXPECT_EQ(events[0].data, "");
  EXPECT_EQ(events[0].last_event_id, "9");
}

TEST(SseParser, RetryTakesDigitsOnly) {
  SseParser p([](const SseEvent&) {}, 100);
  EXPECT_TRUE(p.feed("retry: 12x\n"));
  EXPECT_FALSE(p.retry_ms());
  EXPECT_TRUE(p.feed("retry: 1500\n"));
  EXPECT_EQ(p.retry_ms(), 1500);
}

TEST(SseParser, ALineOverTheLimitFailsTheStream) {
  SseParser p([](const SseEvent&) { ADD_FAILURE(); }, 16);
  EXPECT_TRUE(p.feed("data: 0123456789"));
  EXPECT_FALSE(p.feed("abcdef\n\n"));
}

}  // namespace
}  // namespace tessera::verifier
