// Fuzzes what a service reads from the revocation feed (issue 20): the event-stream parser
// (src/verifier/sse_parser.h), the feed's events (feed_event.h) and applying them to the
// revocation state (revocation_mirror.h), as tessera::Verifier does.
//
// Input: byte 0 picks a chunk size (1-64); the rest is the stream, fed in chunks of that size.
// Invariants (abort() on violation):
//   1. Chunking does not matter: the events (type, data, last id) and whether the stream was
//      refused (a line over the limit) are the same fed whole and fed in chunks.
//   2. An accepted revoke has a non-empty key; an accepted not_before a user; an accepted
//      snapshot's seq is its event id; every accepted id is >= 0.
//   3. Applying accepted events never makes the mirror go back: its seq after applying a change
//      is at least the change's id (the last snapshot's seq after loading it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_reference.h"
#include "verifier/feed_event.h"
#include "verifier/revocation_mirror.h"
#include "verifier/sse_parser.h"

namespace {

using tessera::verifier::FeedEvent;
using tessera::verifier::MirrorChange;
using tessera::verifier::SseEvent;
using tessera::verifier::SseParser;

constexpr std::size_t kMaxLine = 4096;
constexpr std::int64_t kNowMs = 1'700'000'000'000;

void check(bool ok, const char* what) {
  if (!ok) tessera::fuzz::fail("fuzz_revocation_feed", what);
}

struct Parsed {
  std::vector<SseEvent> events;
  bool refused = false;
};

Parsed parse(std::string_view stream, std::size_t chunk) {
  Parsed out;
  SseParser p([&](const SseEvent& e) { out.events.push_back(e); }, kMaxLine);
  for (std::size_t i = 0; i < stream.size() && !out.refused; i += chunk) {
    out.refused = !p.feed(stream.substr(i, chunk));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  const Parsed whole = parse(stream, stream.size() + 1);
  const Parsed pieces = parse(stream, chunk);
  check(whole.refused == pieces.refused, "refusal depends on chunking");
  if (!whole.refused) {
    check(whole.events.size() == pieces.events.size(), "event count depends on chunking");
    for (std::size_t i = 0; i < whole.events.size(); ++i) {
      const SseEvent& a = whole.events[i];
      const SseEvent& b = pieces.events[i];
      check(a.type == b.type && a.data == b.data && a.last_event_id == b.last_event_id,
            "an event depends on chunking");
    }
  }

  tessera::verifier::RevocationMirror mirror({.keep_denylist = true});
  for (const SseEvent& e : whole.events) {
    auto event = tessera::verifier::read_feed_event(e);
    if (!event) continue;
    check(event->id >= 0, "a negative id accepted");
    switch (event->kind) {
      case FeedEvent::Kind::kSnapshot:
        check(event->snapshot.seq == event->id, "a snapshot's seq is not its id");
        mirror.load(event->snapshot, kNowMs);
        check(mirror.seq() == event->id, "loading a snapshot did not take its seq");
        break;
      case FeedEvent::Kind::kRevoke: {
        check(!event->key.empty(), "a revoke without a key accepted");
        const MirrorChange c{.kind = MirrorChange::Kind::kDenied,
                             .seq = event->id,
                             .key = event->key,
                             .expires_at = event->expires_at};
        mirror.apply({&c, 1}, kNowMs);
        check(!mirror.ready() || mirror.seq() >= event->id, "applying went back");
        break;
      }
      case FeedEvent::Kind::kNotBefore: {
        const MirrorChange c{.kind = MirrorChange::Kind::kNotBefore,
                             .seq = event->id,
                             .user = event->user,
                             .not_before_ms = event->not_before_ms};
        mirror.apply({&c, 1}, kNowMs);
        check(!mirror.ready() || mirror.seq() >= event->id, "applying went back");
        break;
      }
      default:
        break;
    }
  }
  return 0;
}
