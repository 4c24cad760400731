#include "store/redis/pool.h"

#include <utility>

namespace tessera::store::redis {

Pool::Pool(RedisUrl url, std::size_t max_connections, std::chrono::milliseconds timeout)
    : url_(std::move(url)), max_(max_connections > 0 ? max_connections : 1), timeout_(timeout) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (conn_) pool_->release(std::move(conn_));
}

PoolState Pool::state() {
  std::lock_guard lock(mu_);
  return PoolState{.in_use = open_ - idle_.size(), .idle = idle_.size(), .waiting = waiting_};
}

std::expected<Pool::Lease, std::string> Pool::acquire() {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::unique_lock lock(mu_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->idle_and_open()) return Lease(this, std::move(conn));
      --open_;  // closed by the server while idle: drop it (outside the lock)
      lock.unlock();
      conn.reset();
      lock.lock();
    }
    if (open_ < max_) {
      ++open_;  // reserve the slot, connect without holding the lock
      lock.unlock();
      auto conn = Connection::open(url_, timeout_);
      if (conn) return Lease(this, std::move(*conn));
      lock.lock();
      --open_;
      returned_.notify_one();
      return std::unexpected(conn.error());
    }
    ++waiting_;
    const std::cv_status waited = returned_.wait_until(lock, deadline);
    --waiting_;
    if (waited == std::cv_status::timeout && idle_.empty() && open_ >= max_) {
      return std::unexpected("timed out waiting for a free connection");
    }
  }
}

void Pool::release(std::unique_ptr<Connection> conn) {
  std::unique_lock lock(mu_);
  if (conn->broken()) {
    --open_;
    lock.unlock();
    conn.reset();  // close outside the lock
    lock.lock();
  } else {
    idle_.push_back(std::move(conn));
  }
  returned_.notify_one();
}

}  // namespace tessera::store::redis
