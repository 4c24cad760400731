#include "store/change_feed.h"

#include <list>
#include <mutex>
#include <utility>

namespace tessera::store {
namespace {

class LocalChangeFeed final : public ChangeFeed,
                              public std::enable_shared_from_this<LocalChangeFeed> {
 public:
  void publish(ChangeTopic topic, std::string_view payload) override {
    // Listeners run under the lock, so an unsubscribe (which takes it) waits for a callback in
    // progress; they must not publish (see change_feed.h).
    std::lock_guard lock(mu_);
    for (const Entry& e : listeners_) e.on_change(topic, payload);
  }

  std::unique_ptr<Subscription> subscribe(Listener on_change,
                                          std::function<void()> on_resubscribed) override {
    std::lock_guard lock(mu_);
    listeners_.push_back(Entry{std::move(on_change), std::move(on_resubscribed)});
    return std::make_unique<Handle>(shared_from_this(), std::prev(listeners_.end()));
  }

 private:
  struct Entry {
    Listener on_change;
    std::function<void()> on_resubscribed;  // never called: nothing here can be missed
  };
  using Iter = std::list<Entry>::iterator;

  class Handle final : public Subscription {
   public:
    Handle(std::shared_ptr<LocalChangeFeed> feed, Iter it) : feed_(std::move(feed)), it_(it) {}
    ~Handle() override {
      std::lock_guard lock(feed_->mu_);
      feed_->listeners_.erase(it_);
    }

   private:
    std::shared_ptr<LocalChangeFeed> feed_;
    Iter it_;
  };

  std::mutex mu_;
  std::list<Entry> listeners_;  // guarded by mu_
};

}  // namespace

std::shared_ptr<ChangeFeed> make_local_change_feed() { return std::make_shared<LocalChangeFeed>(); }

}  // namespace tessera::store
