#include "auth/revocation_feed.h"

#include <algorithm>
#include <utility>

namespace tessera::auth {

RevocationFeed::RevocationFeed(std::size_t window) : window_(std::max<std::size_t>(window, 1)) {}

RevocationFeed::~RevocationFeed() = default;

void RevocationFeed::on_events(std::span<const store::RevocationEvent> events) {
  if (events.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (const store::RevocationEvent& e : events) {
      if (e.seq <= newest_) continue;  // already here (a listener called twice is harmless)
      events_.push_back(e);
      newest_ = e.seq;
    }
    while (events_.size() > window_) {
      base_ = events_.front().seq;
      events_.pop_front();
    }
  }
  notify();
}

void RevocationFeed::on_reload(std::int64_t seq) {
  {
    std::lock_guard lock(mu_);
    // What happened between the old position and `seq` is not known here.
    events_.clear();
    base_ = seq;
    newest_ = seq;
  }
  notify();
}

void RevocationFeed::keys_changed() {
  {
    std::lock_guard lock(mu_);
    ++keys_generation_;
  }
  notify();
}

RevocationFeed::Read RevocationFeed::read(std::int64_t after, std::size_t max) const {
  Read r;
  std::lock_guard lock(mu_);
  r.keys_generation = keys_generation_;
  if (base_ < 0 || after < base_) {
    r.snapshot_needed = true;
    return r;
  }
  if (after > newest_) {
    r.ahead = true;
    return r;
  }
  // The first event after `after`: seqs are increasing, not contiguous.
  auto it =
      std::upper_bound(events_.begin(), events_.end(), after,
                       [](std::int64_t a, const store::RevocationEvent& e) { return a < e.seq; });
  for (; it != events_.end() && r.events.size() < max; ++it) r.events.push_back(*it);
  return r;
}

std::unique_ptr<RevocationFeed::Subscription> RevocationFeed::subscribe(
    std::function<void()> wake) {
  std::lock_guard lock(notify_mu_);
  const std::uint64_t id = next_id_++;
  waiters_.emplace(id, std::move(wake));
  return std::unique_ptr<Subscription>(new Subscription(*this, id));
}

RevocationFeed::Subscription::~Subscription() {
  std::lock_guard lock(feed_.notify_mu_);
  feed_.waiters_.erase(id_);
}

void RevocationFeed::notify() {
  std::lock_guard lock(notify_mu_);
  for (const auto& [id, wake] : waiters_) wake();
}

}  // namespace tessera::auth
