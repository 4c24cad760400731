#include "auth/rate_limiter.h"

#include <algorithm>
#include <utility>

#include "auth/ip_prefix.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::auth {
namespace {

std::string hashed(std::string_view prefix, std::string_view value) {
  const auto digest = crypto::sha256(value);
  std::string key(prefix);
  base::base64url_encode_append(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()), key);
  return key;
}

}  // namespace

RateLimiter::Attempt::Attempt(RateLimiter* owner, std::string email_key, std::string ip_key,
                              bool reserved)
    : owner_(owner),
      email_key_(std::move(email_key)),
      ip_key_(std::move(ip_key)),
      reserved_(reserved) {}

RateLimiter::Attempt::Attempt(Attempt&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      email_key_(std::move(other.email_key_)),
      ip_key_(std::move(other.ip_key_)),
      reserved_(std::exchange(other.reserved_, false)) {}

RateLimiter::Attempt& RateLimiter::Attempt::operator=(Attempt&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    email_key_ = std::move(other.email_key_);
    ip_key_ = std::move(other.ip_key_);
    reserved_ = std::exchange(other.reserved_, false);
  }
  return *this;
}

RateLimiter::Attempt::~Attempt() { release(); }

void RateLimiter::Attempt::release() {
  if (reserved_ && owner_ != nullptr) owner_->unreserve(email_key_);
  reserved_ = false;
}

RateLimiter::RateLimiter(std::shared_ptr<store::CounterStore> counters, RateLimitConfig config)
    : counters_(std::move(counters)), config_(config) {}

std::string RateLimiter::email_key(std::string_view email) { return hashed("login:email:", email); }

std::string RateLimiter::ip_key(std::string_view ip) {
  return hashed("login:ip:", ip_prefix(ip, 32, 64));
}

std::expected<RateLimiter::Attempt, Error> RateLimiter::check(std::string_view email,
                                                              std::string_view ip,
                                                              std::int64_t now) {
  const bool per_email = config_.email_max_failures > 0;
  std::string ekey = email_key(email);
  // Reserve first, read the counter second (see the header). A refusal below drops the
  // Attempt, and with it the reservation.
  const std::int64_t others_in_flight = per_email ? reserve(ekey) : 0;
  Attempt attempt(this, std::move(ekey), ip_key(ip), per_email);

  std::int64_t retry_at = 0;  // the latest window end among the limits reached
  if (config_.ip_max_failures > 0) {
    auto c = counters_->get(attempt.ip_key_, now);
    if (!c) return std::unexpected(from_store(c.error()));
    if (c->value >= config_.ip_max_failures) retry_at = std::max(retry_at, c->window_ends);
  }
  bool crowded = false;  // under the limit, but not with the attempts in flight
  if (per_email) {
    auto c = counters_->get(attempt.email_key_, now);
    if (!c) return std::unexpected(from_store(c.error()));
    if (c->value >= config_.email_max_failures) {
      retry_at = std::max(retry_at, c->window_ends);
    } else if (c->value + others_in_flight >= config_.email_max_failures) {
      crowded = true;
    }
  }
  if (retry_at != 0) {
    Error e = make_error(Errc::kRateLimited);
    e.retry_after = std::max<std::int64_t>(1, retry_at - now);
    return std::unexpected(std::move(e));
  }
  if (crowded) {
    Error e = make_error(Errc::kConcurrencyLimited);
    e.retry_after = 1;  // the attempts in flight end within a password check
    return std::unexpected(std::move(e));
  }
  return attempt;
}

std::expected<void, Error> RateLimiter::record_failure(Attempt& attempt, std::int64_t now) {
  std::expected<void, Error> result;
  if (config_.email_max_failures > 0) {
    auto c = counters_->increment(attempt.email_key_, now, config_.email_window);
    if (!c) result = std::unexpected(from_store(c.error()));
  }
  if (config_.ip_max_failures > 0) {
    auto c = counters_->increment(attempt.ip_key_, now, config_.ip_window);
    if (!c && result) result = std::unexpected(from_store(c.error()));
  }
  attempt.release();  // after the increment, so no check sees neither
  return result;
}

std::expected<void, Error> RateLimiter::record_success(Attempt& attempt) {
  std::expected<void, Error> result;
  if (config_.email_max_failures > 0) {
    auto r = counters_->reset(attempt.email_key_);
    if (!r) result = std::unexpected(from_store(r.error()));
  }
  attempt.release();
  return result;
}

std::int64_t RateLimiter::reserve(const std::string& email_key) {
  std::lock_guard lock(mu_);
  return in_flight_[email_key]++;
}

void RateLimiter::unreserve(const std::string& email_key) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(email_key);
  if (it == in_flight_.end()) return;
  if (--it->second <= 0) in_flight_.erase(it);
}

}  // namespace tessera::auth
