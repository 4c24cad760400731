#include "store/redis/subscriber.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "store/redis/change_message.h"
#include "store/redis/connection.h"

namespace tessera::store::redis {
namespace {

using Clock = std::chrono::steady_clock;

int millis_until(Clock::time_point t) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 60'000));
}

// ["message", channel, payload] -> payload; nullopt for anything else (subscribe
// confirmations, PING's ["pong", ""]).
std::optional<std::string_view> message_payload(const redisReply& reply) {
  auto parts = as_array(reply);
  if (!parts || parts->size() != 3) return std::nullopt;
  auto kind = as_string(*(*parts)[0]);
  if (kind != std::optional<std::string_view>("message")) return std::nullopt;
  return as_string(*(*parts)[2]);
}

}  // namespace

Subscriber::Subscriber(Options options, ChangeFeed::Listener on_change,
                       std::function<void()> on_resubscribed)
    : options_(std::move(options)),
      on_change_(std::move(on_change)),
      on_resubscribed_(std::move(on_resubscribed)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    report("change feed: cannot create an eventfd; not subscribed");
    return;
  }
  thread_ = std::thread([this] { run(); });
}

Subscriber::~Subscriber() {
  stopping_.store(true);
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool Subscriber::wait_subscribed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  subscribed_cv_.wait_for(lock, timeout, [this] { return first_attempt_; });
  return subscribed_;
}

void Subscriber::settle(bool subscribed) {
  {
    std::lock_guard lock(mu_);
    first_attempt_ = true;
    subscribed_ = subscribed_ || subscribed;
  }
  subscribed_cv_.notify_all();
}

void Subscriber::report(const std::string& message) const {
  if (options_.on_error) options_.on_error("redis: " + message);
}

bool Subscriber::pause(std::chrono::milliseconds how_long) {
  const auto until = Clock::now() + how_long;
  while (!stopping_.load()) {
    pollfd p{.fd = wake_fd_, .events = POLLIN, .revents = 0};
    const int wait = millis_until(until);
    if (wait == 0) return true;
    ::poll(&p, 1, wait);
  }
  return false;
}

void Subscriber::run() {
  auto backoff = kMinBackoff;
  bool outage = false;  // an error was reported and no subscription has succeeded since
  while (!stopping_.load()) {
    Outcome outcome = follow();
    settle(false);
    if (!outcome.error) return;  // stopping
    if (outcome.subscribed) {
      backoff = kMinBackoff;
      outage = false;
    }
    if (!outage) report("change feed: " + *outcome.error + "; reconnecting");
    outage = true;
    if (!pause(backoff)) return;
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

Subscriber::Outcome Subscriber::follow() {
  Outcome outcome;
  auto opened = Connection::open(options_.url, options_.timeout);
  if (!opened) return Outcome{.error = opened.error()};
  Connection& conn = **opened;
  const std::array<std::string_view, 2> subscribe = {"SUBSCRIBE", options_.channel};
  if (auto sent = conn.send(subscribe); !sent) return Outcome{.error = sent.error()};
  auto confirmed = conn.receive();
  if (!confirmed) return Outcome{.error = confirmed.error()};
  auto parts = as_array(**confirmed);
  if (!parts || parts->empty() ||
      as_string(*(*parts)[0]) != std::optional<std::string_view>("subscribe")) {
    auto error = as_error(**confirmed);
    return Outcome{.error = "SUBSCRIBE: " + (error ? first_line(*error) : "unexpected reply")};
  }
  outcome.subscribed = true;
  settle(true);

  auto deliver = [&](const redisReply& reply) {
    auto payload = message_payload(reply);
    auto change = payload ? decode_change(*payload) : std::nullopt;
    if (!change) return;
    try {
      on_change_(change->first, change->second);
    } catch (...) {  // a listener must not take the feed (and the process) down with it
      report("change feed: a listener threw");
    }
  };
  try {
    if (on_resubscribed_) on_resubscribed_();
  } catch (...) {
    report("change feed: on_resubscribed threw");
  }

  auto heard = Clock::now();
  bool pinged = false;
  const std::array<std::string_view, 1> ping = {"PING"};
  while (!stopping_.load()) {
    // Replies already read with an earlier chunk: poll() would not announce them.
    for (;;) {
      auto more = conn.buffered();
      if (!more) return Outcome{.subscribed = true, .error = more.error()};
      if (!*more) break;
      deliver(***more);
    }
    const auto deadline =
        heard + kPingEvery + (pinged ? options_.timeout : std::chrono::milliseconds{0});
    std::array<pollfd, 2> fds = {pollfd{.fd = conn.fd(), .events = POLLIN, .revents = 0},
                                 pollfd{.fd = wake_fd_, .events = POLLIN, .revents = 0}};
    const int ready = ::poll(fds.data(), fds.size(), millis_until(deadline));
    if (ready < 0 && errno != EINTR) return Outcome{.subscribed = true, .error = "poll failed"};
    if (stopping_.load()) break;
    if (ready > 0 && fds[0].revents != 0) {
      auto reply = conn.receive();
      if (!reply) return Outcome{.subscribed = true, .error = reply.error()};
      heard = Clock::now();
      pinged = false;
      deliver(**reply);
    } else if (Clock::now() >= deadline) {
      if (pinged) return Outcome{.subscribed = true, .error = "no answer to PING"};
      if (auto sent = conn.send(ping); !sent) {
        return Outcome{.subscribed = true, .error = sent.error()};
      }
      pinged = true;
    }
  }
  return outcome;  // stopping
}

}  // namespace tessera::store::redis
