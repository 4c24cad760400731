#include "store/postgres/pool.h"

namespace tessera::store::postgres {

std::expected<std::shared_ptr<Pool>, std::string> Pool::open(PoolOptions options) {
  if (options.dsn.empty()) return std::unexpected("postgres: no connection string configured");
  if (options.max_connections == 0) return std::unexpected("postgres: the pool size must be >= 1");
  if (options.timeout.count() <= 0) return std::unexpected("postgres: the timeout must be > 0");
  // Only the syntax; libpq's message is not passed on, as it may quote part of a password.
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.dsn.c_str(), &error);
  PQfreemem(error);
  if (parsed == nullptr) return std::unexpected("postgres: the connection string is not valid");
  PQconninfoFree(parsed);
  return std::shared_ptr<Pool>(new Pool(std::move(options)));
}

Pool::Lease::~Lease() {
  if (conn_) pool_->release(std::move(conn_));
}

std::expected<Pool::Lease, Failure> Pool::acquire(Deadline deadline) {
  std::unique_lock lock(mu_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();  // reusable() polls the socket; closing one talks to the server
      if (conn->reusable()) return Lease(this, std::move(conn));
      conn.reset();
      lock.lock();
      --open_;
    }
    if (open_ < options_.max_connections) {
      ++open_;  // the slot is ours while we connect, outside the lock
      lock.unlock();
      auto conn = Connection::open(options_.dsn, 2 * options_.timeout, canceller_, deadline);
      if (conn) return Lease(this, std::move(*conn));
      lock.lock();
      --open_;
      cv_.notify_one();
      return std::unexpected(Failure{.reason = std::move(conn.error())});
    }
    ++waiting_;
    const std::cv_status waited = cv_.wait_until(lock, deadline);
    --waiting_;
    if (waited == std::cv_status::timeout && idle_.empty() && open_ >= options_.max_connections) {
      return std::unexpected(Failure{.reason = "timed out waiting for a free connection (" +
                                               std::to_string(open_) + " in use)"});
    }
  }
}

PoolState Pool::state() {
  std::lock_guard lock(mu_);
  return PoolState{.in_use = open_ - idle_.size(), .idle = idle_.size(), .waiting = waiting_};
}

void Pool::release(std::unique_ptr<Connection> conn) {
  // The socket is polled when the connection is lent next (acquire), not here as well: one
  // system call per operation, not two.
  const bool keep = conn->keepable();
  if (!keep) conn.reset();  // closed outside the lock
  std::lock_guard lock(mu_);
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

void Pool::report(std::string_view what, std::string_view reason) const {
  if (!options_.on_error) return;
  std::string line = "postgres: ";
  line += what;
  line += ": ";
  line += reason;
  options_.on_error(line);
}

}  // namespace tessera::store::postgres
