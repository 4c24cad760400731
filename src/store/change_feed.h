// Hints that something changed in the stores, delivered to every process that works on them,
// so each can refresh what it caches (the revocation state and its Bloom filter, the keyring,
// cached sessions) at once instead of at its next poll.
//
// Hints, not the truth: the stores are. A message may be lost (a subscriber that reconnects
// gets on_resubscribed, after which it must re-read everything it caches) and it may arrive
// before or after the subscriber's own poll sees the change; applying a hint is always "go and
// read the store", or "forget this cached entry", never "trust the message".
//
// Implementations: local (memory, sqlite: delivered within this process; other processes on
// the same SQLite file rely on their polling, as before), redis (PUBLISH/SUBSCRIBE: every node).
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace tessera::store {

// What changed. Payload per topic:
//   kRevocation  ""                    the revocation log has new events (deny, not-before)
//   kKeys        ""                    the keyring changed (rotation)
//   kSession     hex SHA-256 of an id  that session was deleted or changed ("" = many: drop all)
enum class ChangeTopic : std::uint8_t { kRevocation, kKeys, kSession };

class ChangeFeed {
 public:
  using Listener = std::function<void(ChangeTopic topic, std::string_view payload)>;

  virtual ~ChangeFeed() = default;

  // Tells every subscriber, in every process, that `topic` changed. Best effort and
  // non-blocking beyond the store's network bound: a failure is reported through the store's
  // on_error and otherwise ignored (followers still poll).
  virtual void publish(ChangeTopic topic, std::string_view payload) = 0;

  // Calls `on_change` for every hint published from now on (including this process's own), on
  // a thread of the feed's; calls `on_resubscribed` after every (re)connection of that thread,
  // when hints may have been missed. Returns a handle: destroying it unsubscribes (and waits
  // for a callback in progress). Callbacks must be quick - set a flag, drop a cache entry, wake
  // a thread - and must not call into the stores or the feed (they may run on a thread that is
  // publishing, or that the feed needs).
  class Subscription {
   public:
    virtual ~Subscription() = default;
  };
  virtual std::unique_ptr<Subscription> subscribe(Listener on_change,
                                                  std::function<void()> on_resubscribed) = 0;
};

// The in-process feed of the memory and SQLite backends: publish calls this process's
// listeners synchronously, on the publishing thread.
std::shared_ptr<ChangeFeed> make_local_change_feed();

}  // namespace tessera::store
