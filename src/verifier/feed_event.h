// One event of Tessera's revocation feed, read (docs/revocation-feed.md; the server writes them
// in api/revocation_feed.cc): snapshot, revoke, not_before, keys. Strict: a malformed event is an
// error (the follower drops the connection and resumes), never half applied.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "verifier/revocation_mirror.h"
#include "verifier/sse_parser.h"

namespace tessera::verifier {

struct FeedEvent {
  enum class Kind : std::uint8_t { kSnapshot, kRevoke, kNotBefore, kKeys, kOther };
  Kind kind = Kind::kOther;
  std::int64_t id = 0;      // the event's log position (snapshot, revoke, not_before); 0 if none
  MirrorSnapshot snapshot;  // kSnapshot (seq = id)
  std::string key;          // kRevoke
  std::int64_t expires_at = 0;
  UserKey user{};  // kNotBefore
  std::int64_t not_before_ms = 0;
};

// What `e` says; an unknown event type is kOther (ignored: a later server may add kinds). The
// error says what is wrong, for the log.
std::expected<FeedEvent, std::string> read_feed_event(const SseEvent& e);

}  // namespace tessera::verifier
