#include "store/notifying_key_store.h"

#include <utility>

namespace tessera::store {
namespace {

class NotifyingKeyStore final : public KeyStore {
 public:
  NotifyingKeyStore(std::shared_ptr<KeyStore> inner, std::shared_ptr<ChangeFeed> feed)
      : inner_(std::move(inner)), feed_(std::move(feed)) {}

  std::expected<Keyring, StoreError> load() override { return inner_->load(); }
  std::expected<std::int64_t, StoreError> version() override { return inner_->version(); }
  std::expected<std::int64_t, StoreError> replace(std::int64_t expected_version,
                                                  const std::vector<SigningKey>& keys) override {
    auto r = inner_->replace(expected_version, keys);
    if (r) feed_->publish(ChangeTopic::kKeys, "");  // after the commit: followers can read it
    return r;
  }

 private:
  std::shared_ptr<KeyStore> inner_;
  std::shared_ptr<ChangeFeed> feed_;
};

}  // namespace

std::shared_ptr<KeyStore> notifying_key_store(std::shared_ptr<KeyStore> inner,
                                              std::shared_ptr<ChangeFeed> feed) {
  return std::make_shared<NotifyingKeyStore>(std::move(inner), std::move(feed));
}

}  // namespace tessera::store
