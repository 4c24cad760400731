#include "store/postgres/canceller.h"

#include <array>
#include <string>
#include <system_error>

#include "store/postgres/connection.h"

namespace tessera::store::postgres {

Canceller::~Canceller() {
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) return;
  thread_.request_stop();
  lock.unlock();
  cv_.notify_all();
  thread_.join();
}

void Canceller::cancel(PGconn* conn) {
  Request request(PQgetCancel(conn));
  if (!request) return;  // not connected: nothing runs there
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued) return;
    if (!thread_.joinable()) {
      try {
        thread_ = std::jthread([this](std::stop_token s) { run(s); });
      } catch (const std::system_error&) {
        return;  // no thread to be had: the server's statement_timeout ends the statement
      }
    }
    queue_.push_back(std::move(request));
  }
  cv_.notify_one();
}

void Canceller::run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (cv_.wait(lock, stop, [&] { return !queue_.empty(); })) {
    Request request = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    std::array<char, 256> error{};
    if (!PQcancel(request.get(), error.data(), static_cast<int>(error.size())) && on_error_) {
      on_error_("postgres: cancel request not delivered: " + one_line(error.data()));
    }
    request.reset();
    lock.lock();
  }
}

}  // namespace tessera::store::postgres
