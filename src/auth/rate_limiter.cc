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

RateLimiter::Attempt::Attempt(RateLimiter* owner, std::string email_key, std::string ip_key)
    : owner_(owner), email_key_(std::move(email_key)), ip_key_(std::move(ip_key)) {}

RateLimiter::Attempt::Attempt(Attempt&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      email_key_(std::move(other.email_key_)),
      ip_key_(std::move(other.ip_key_)),
      email_reserved_(std::exchange(other.email_reserved_, false)),
      ip_reserved_(std::exchange(other.ip_reserved_, false)) {}

RateLimiter::Attempt& RateLimiter::Attempt::operator=(Attempt&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    email_key_ = std::move(other.email_key_);
    ip_key_ = std::move(other.ip_key_);
    email_reserved_ = std::exchange(other.email_reserved_, false);
    ip_reserved_ = std::exchange(other.ip_reserved_, false);
  }
  return *this;
}

RateLimiter::Attempt::~Attempt() { release(); }

void RateLimiter::Attempt::release(bool wake) {
  if ((email_reserved_ || ip_reserved_) && owner_ != nullptr) owner_->unreserve(*this, wake);
  email_reserved_ = ip_reserved_ = false;
}

RateLimiter::RateLimiter(std::shared_ptr<store::CounterStore> counters, RateLimitConfig config)
    : counters_(std::move(counters)), config_(config) {}

RateLimiter::~RateLimiter() = default;

std::string RateLimiter::email_key(std::string_view email) { return hashed("login:email:", email); }

std::string RateLimiter::ip_key(std::string_view ip) {
  return hashed("login:ip:", ip_prefix(ip, 32, 64));
}

std::string RateLimiter::signup_key(std::string_view ip) {
  return hashed("signup:ip:", ip_prefix(ip, 32, 64));
}

std::string RateLimiter::mail_email_key(std::string_view email) {
  return hashed("mail:email:", email);
}

std::string RateLimiter::mail_ip_key(std::string_view ip) {
  return hashed("mail:ip:", ip_prefix(ip, 32, 64));
}

std::expected<void, Error> RateLimiter::count_request(const std::string& key, std::int64_t max,
                                                      std::int64_t window, std::int64_t now,
                                                      std::string_view detail) {
  if (max <= 0) return {};
  auto c = counters_->increment(key, now, window);
  if (!c) return std::unexpected(from_store(c.error()));
  if (c->value <= max) return {};
  Error e = make_error(Errc::kRateLimited, std::string(detail));
  e.retry_after = std::max<std::int64_t>(1, c->window_ends - now);
  return std::unexpected(std::move(e));
}

std::expected<void, Error> RateLimiter::count_signup(std::string_view ip, std::int64_t now) {
  return count_request(signup_key(ip), config_.signup_ip_max, config_.signup_ip_window, now,
                       "too many sign-ups from this address; try again later");
}

std::expected<void, Error> RateLimiter::count_mail_request(std::string_view email,
                                                           std::string_view ip, std::int64_t now) {
  // Both counted, whatever the first says: a refused request still counts against the other.
  auto by_email = count_request(mail_email_key(email), config_.mail_email_max, config_.mail_window,
                                now, "too many requests for this address; try again later");
  auto by_ip = count_request(mail_ip_key(ip), config_.mail_ip_max, config_.mail_window, now,
                             "too many requests from this client; try again later");
  if (!by_email) return by_email;
  return by_ip;
}

RateLimiter::Verdict RateLimiter::evaluate(std::string_view email, std::string_view ip,
                                           std::int64_t now) {
  const bool per_email = config_.email_max_failures > 0;
  const bool per_ip = config_.ip_max_failures > 0;
  Attempt attempt(this, email_key(email), ip_key(ip));
  // Reserve first, read the counters second (see the header). A refusal below releases the
  // reservations without waking anyone: this check never was an attempt.
  std::int64_t email_others = 0, ip_others = 0;
  Verdict v{.result = std::unexpected(make_error(Errc::kInternal))};
  {
    std::lock_guard lock(mu_);
    if (per_email) email_others = in_flight_[attempt.email_key_]++;
    if (per_ip) ip_others = in_flight_[attempt.ip_key_]++;
    attempt.email_reserved_ = per_email;
    attempt.ip_reserved_ = per_ip;
    v.ends_seen = ends_;
  }
  auto refuse = [&](Error e) {
    attempt.release(/*wake=*/false);
    v.result = std::unexpected(std::move(e));
    return std::move(v);
  };

  std::int64_t retry_at = 0;             // the latest window end among the limits reached
  const std::string* crowded = nullptr;  // under the limit, but not with the attempts in flight
  auto look = [&](const std::string& key, std::int64_t max, std::int64_t others) -> bool {
    auto c = counters_->get(key, now);
    if (!c) return false;
    if (c->value >= max) {
      retry_at = std::max(retry_at, c->window_ends);
    } else if (c->value + others >= max && crowded == nullptr) {
      crowded = &key;
    }
    return true;
  };
  if (per_email && !look(attempt.email_key_, config_.email_max_failures, email_others)) {
    return refuse(make_error(Errc::kUnavailable));
  }
  if (per_ip && !look(attempt.ip_key_, config_.ip_max_failures, ip_others)) {
    return refuse(make_error(Errc::kUnavailable));
  }
  if (retry_at != 0) {
    Error e = make_error(Errc::kRateLimited);
    e.retry_after = std::max<std::int64_t>(1, retry_at - now);
    return refuse(std::move(e));
  }
  if (crowded != nullptr) {
    v.crowded_key = *crowded;
    Error e = make_error(Errc::kConcurrencyLimited);
    e.retry_after = 1;  // the attempts in flight end within a password check
    return refuse(std::move(e));
  }
  v.result = std::move(attempt);
  return v;
}

std::expected<RateLimiter::Attempt, Error> RateLimiter::check(std::string_view email,
                                                              std::string_view ip,
                                                              std::int64_t now) {
  return std::move(evaluate(email, ip, now).result);
}

void RateLimiter::admit(std::string_view email, std::string_view ip, const base::Clock& clock,
                        Admitted then) {
  for (;;) {
    Verdict v = evaluate(email, ip, clock.now_unix());
    if (v.result || v.result.error().code != Errc::kConcurrencyLimited) {
      return then(std::move(v.result));
    }
    {
      std::lock_guard lock(mu_);
      // An attempt that ended after our reservations were taken may have made room, and its
      // wake-up found nobody waiting yet: look again rather than wait for the next one.
      if (ends_ != v.ends_seen) continue;
      auto& queue = waiting_[v.crowded_key];
      if (queue.size() < kMaxWaitersPerKey) {
        queue.push_back(Waiter{std::string(email), std::string(ip), &clock, std::move(then)});
        return;
      }
    }
    return then(std::move(v.result));  // too many waiting already: the honest 429
  }
}

std::expected<void, Error> RateLimiter::record_failure(Attempt& attempt, std::int64_t now) {
  std::expected<void, Error> result;
  if (attempt.email_reserved_) {
    auto c = counters_->increment(attempt.email_key_, now, config_.email_window);
    if (!c) result = std::unexpected(from_store(c.error()));
  }
  if (attempt.ip_reserved_) {
    auto c = counters_->increment(attempt.ip_key_, now, config_.ip_window);
    if (!c && result) result = std::unexpected(from_store(c.error()));
  }
  attempt.release();  // after the increments, so no check sees neither
  return result;
}

std::expected<void, Error> RateLimiter::record_success(Attempt& attempt) {
  std::expected<void, Error> result;
  if (attempt.email_reserved_) {
    auto r = counters_->reset(attempt.email_key_);
    if (!r) result = std::unexpected(from_store(r.error()));
  }
  attempt.release();
  return result;
}

void RateLimiter::unreserve(Attempt& attempt, bool wake) {
  std::vector<Waiter> woken;
  {
    std::lock_guard lock(mu_);
    auto drop = [&](const std::string& key) {
      auto it = in_flight_.find(key);
      if (it != in_flight_.end() && --it->second <= 0) in_flight_.erase(it);
      if (!wake) return;
      auto w = waiting_.find(key);
      if (w == waiting_.end()) return;
      for (Waiter& waiter : w->second) woken.push_back(std::move(waiter));
      waiting_.erase(w);
    };
    if (attempt.email_reserved_) drop(attempt.email_key_);
    if (attempt.ip_reserved_) drop(attempt.ip_key_);
    if (wake) ++ends_;
  }
  // Every waiter on these keys looks again: the end may have made room for one (a failure
  // recorded: maybe not) or for all (a success resets the count), or turned them into
  // kRateLimited. Those still crowded queue again; none is left waiting for an end that has
  // already happened.
  for (Waiter& w : woken) admit(w.email, w.ip, *w.clock, std::move(w.then));
}

}  // namespace tessera::auth
