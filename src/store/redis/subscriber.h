// The thread behind one Redis ChangeFeed subscription: its own connection (not the pool's)
// running SUBSCRIBE <prefix>changes, delivering each hint to the listener.
//
//   - It waits for messages with poll() on the socket and on a wake-up eventfd, so destroying
//     the Subscriber stops it at once, even mid-wait; the destructor joins the thread, so a
//     callback in progress finishes first (callbacks must therefore not destroy it).
//   - A connection that says nothing for kPingEvery is asked PING; no answer within the
//     network timeout (a silent network partition) counts as an error.
//   - After any error it drops the connection and reconnects with a backoff doubling from
//     kMinBackoff to kMaxBackoff, reporting the first failure of each outage.
//   - After every successful SUBSCRIBE, the first included, it calls on_resubscribed: hints
//     published while it was not subscribed are lost, so the listener must re-read the stores.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/change_feed.h"
#include "store/redis/url.h"

namespace tessera::store::redis {

class Subscriber final : public ChangeFeed::Subscription {
 public:
  static constexpr std::chrono::milliseconds kMinBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{2000};
  static constexpr std::chrono::milliseconds kPingEvery{5000};

  struct Options {
    RedisUrl url;
    std::string channel;
    std::chrono::milliseconds timeout;               // connect and each read/write
    std::function<void(std::string_view)> on_error;  // one line, may be empty
  };

  // Starts the thread. If the wake-up eventfd cannot be made, nothing starts and failed() is
  // true (reported).
  Subscriber(Options options, ChangeFeed::Listener on_change,
             std::function<void()> on_resubscribed);
  ~Subscriber() override;
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Waits up to `timeout` for the first attempt to subscribe to end; whether it succeeded.
  bool wait_subscribed(std::chrono::milliseconds timeout);

 private:
  struct Outcome {
    bool subscribed = false;           // SUBSCRIBE succeeded on this connection
    std::optional<std::string> error;  // nullopt: stopped
  };

  void run();
  Outcome follow();  // one connection, from connect until an error or stop
  bool pause(std::chrono::milliseconds how_long);  // false when stopping
  void settle(bool subscribed);                    // records an attempt's end, wakes waiters
  void report(const std::string& message) const;

  const Options options_;
  const ChangeFeed::Listener on_change_;
  const std::function<void()> on_resubscribed_;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable subscribed_cv_;
  bool subscribed_ = false;     // guarded by mu_
  bool first_attempt_ = false;  // the first attempt ended; guarded by mu_
  std::thread thread_;
};

}  // namespace tessera::store::redis
