// ChangeFeed over Redis PUBLISH/SUBSCRIBE: publish() is one PUBLISH on a pooled connection
// (bounded like every operation; a failure is reported and otherwise ignored: followers still
// poll), subscribe() starts a Subscriber (subscriber.h) and waits, within the network bound,
// until it is subscribed, so that hints published after subscribe() returns are delivered.
#include "store/redis/internal.h"
#include "store/redis/subscriber.h"

namespace tessera::store::redis {
namespace {

class RedisChangeFeed final : public ChangeFeed {
 public:
  explicit RedisChangeFeed(std::shared_ptr<Client> client) : client_(std::move(client)) {}

  void publish(ChangeTopic topic, std::string_view payload) override {
    auto reply = client_->command("changes.publish",
                                  {"PUBLISH", client_->channel(), encode_change(topic, payload)});
    if (reply && !as_integer(**reply)) client_->corrupt("changes.publish");
  }

  std::unique_ptr<Subscription> subscribe(Listener on_change,
                                          std::function<void()> on_resubscribed) override {
    auto subscriber =
        std::make_unique<Subscriber>(Subscriber::Options{.url = client_->url(),
                                                         .channel = client_->channel(),
                                                         .timeout = client_->timeout(),
                                                         .on_error = client_->on_error()},
                                     std::move(on_change), std::move(on_resubscribed));
    // Not subscribed yet (Redis down): it keeps trying, and on_resubscribed says when it is.
    subscriber->wait_subscribed(client_->timeout());
    return subscriber;
  }

 private:
  std::shared_ptr<Client> client_;
};

}  // namespace

std::shared_ptr<ChangeFeed> make_change_feed(std::shared_ptr<Client> client) {
  return std::make_shared<RedisChangeFeed>(std::move(client));
}

}  // namespace tessera::store::redis
