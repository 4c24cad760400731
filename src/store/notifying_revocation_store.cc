#include "store/notifying_revocation_store.h"

#include <utility>

namespace tessera::store {
namespace {

class NotifyingRevocationStore final : public RevocationStore {
 public:
  NotifyingRevocationStore(std::shared_ptr<RevocationStore> inner, std::shared_ptr<ChangeFeed> feed)
      : inner_(std::move(inner)), feed_(std::move(feed)) {}

  std::expected<void, StoreError> deny(std::string_view jti, std::int64_t expires_at,
                                       std::int64_t now) override {
    return announced(inner_->deny(jti, expires_at, now));
  }
  std::expected<bool, StoreError> is_denied(std::string_view jti, std::int64_t now) override {
    return inner_->is_denied(jti, now);
  }
  std::expected<void, StoreError> set_not_before(const UserId& user,
                                                 std::int64_t not_before_ms) override {
    // A call that raises nothing logs nothing; the hint is harmless then (a poll that finds
    // nothing new).
    return announced(inner_->set_not_before(user, not_before_ms));
  }
  std::expected<std::int64_t, StoreError> not_before(const UserId& user) override {
    return inner_->not_before(user);
  }
  std::expected<RevocationSnapshot, StoreError> snapshot(std::int64_t now) override {
    return inner_->snapshot(now);
  }
  std::expected<std::vector<RevocationEvent>, StoreError> events_after(std::int64_t after,
                                                                       std::size_t limit) override {
    return inner_->events_after(after, limit);
  }
  std::expected<std::size_t, StoreError> purge(std::int64_t now, std::int64_t log_before) override {
    return inner_->purge(now, log_before);
  }

 private:
  std::expected<void, StoreError> announced(std::expected<void, StoreError> r) {
    if (r) feed_->publish(ChangeTopic::kRevocation, "");  // after the commit: the log has it
    return r;
  }

  std::shared_ptr<RevocationStore> inner_;
  std::shared_ptr<ChangeFeed> feed_;
};

}  // namespace

std::shared_ptr<RevocationStore> notifying_revocation_store(std::shared_ptr<RevocationStore> inner,
                                                            std::shared_ptr<ChangeFeed> feed) {
  return std::make_shared<NotifyingRevocationStore>(std::move(inner), std::move(feed));
}

}  // namespace tessera::store
