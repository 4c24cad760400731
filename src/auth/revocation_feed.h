// The revocation feed's source (issue 20): the revocation log as this process follows it
// (auth/revocation.h), kept in a bounded window, plus key-ring changes, for the services that
// stream it (api/revocation_feed.h) to mirror Tessera's revocations in their own verifiers.
//
// Positions are the store's log sequence numbers (store/revocation_store.h), the same on every
// node that serves from one store: a service that reconnects to any node with the id of the
// last event it applied gets every event after it, in order, if this window still holds them
// (read() says `snapshot_needed` otherwise, and the service starts over from a snapshot of the
// store). The window holds the events with seq in (base, newest]: base is where this process
// last (re)loaded the revocation state, or the oldest event it dropped to stay within `window`
// events.
//
// A waiter registers a wake callback (subscribe); every change (new events, a reload, a key
// change) calls every callback on the thread that made the change (the maintenance thread),
// after the change is readable: they must be quick (set a flag, post a wake-up) and must not
// call subscribe() or destroy a Subscription.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "auth/revocation.h"
#include "store/revocation_store.h"

namespace tessera::auth {

class RevocationFeed : public RevocationLogListener {
 public:
  explicit RevocationFeed(std::size_t window = 65'536);
  ~RevocationFeed() override;
  RevocationFeed(const RevocationFeed&) = delete;
  RevocationFeed& operator=(const RevocationFeed&) = delete;

  // RevocationLogListener: called by RevocationService under its writer lock, in log order.
  void on_events(std::span<const store::RevocationEvent> events) override;
  void on_reload(std::int64_t seq) override;

  // The key ring changed (a rotation, here or on another node): every stream announces it.
  void keys_changed();

  struct Read {
    std::vector<store::RevocationEvent> events;  // seq > after, in order
    // `after` is older than the window, or nothing is loaded yet: start over from a snapshot.
    bool snapshot_needed = false;
    // `after` is newer than anything this process has seen: a position from a snapshot the
    // store gave just now (wait: this process follows the log within a poll), or from a log
    // that was replaced (a client's stale position: start over from a snapshot).
    bool ahead = false;
    std::uint64_t keys_generation = 0;  // grows by one per keys_changed()
  };
  // At most `max` events after `after`.
  Read read(std::int64_t after, std::size_t max) const;

  // Calls `wake` at every change until the returned handle is destroyed (which waits for a
  // call in progress).
  class Subscription {
   public:
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

   private:
    friend class RevocationFeed;
    Subscription(RevocationFeed& feed, std::uint64_t id) : feed_(feed), id_(id) {}
    RevocationFeed& feed_;
    std::uint64_t id_;
  };
  std::unique_ptr<Subscription> subscribe(std::function<void()> wake);

 private:
  void notify();

  const std::size_t window_;
  mutable std::mutex mu_;
  std::int64_t base_ = -1;   // guarded by mu_; -1: nothing loaded yet (every read needs a snapshot)
  std::int64_t newest_ = 0;  // guarded by mu_
  std::deque<store::RevocationEvent> events_;  // guarded by mu_; seq in (base_, newest_]
  std::uint64_t keys_generation_ = 0;          // guarded by mu_

  // Waiters. notify_mu_ is held while calling them, so that ~Subscription (which takes it)
  // returns only when no call of its callback is in progress.
  std::mutex notify_mu_;
  std::uint64_t next_id_ = 1;                               // guarded by notify_mu_
  std::map<std::uint64_t, std::function<void()>> waiters_;  // guarded by notify_mu_
};

}  // namespace tessera::auth
