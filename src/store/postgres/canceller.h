// Cancel requests for statements that ran past their deadline, sent from a thread of its own.
// PQcancel opens a second connection to the server and waits for the server to close it, so
// it can block (an unreachable host: until the kernel gives up connecting), while the
// operation that timed out must return at its deadline. The operation queues the request here
// and drops its connection at once; the server's statement_timeout (set on every connection,
// see connection.h) ends the statement anyway if a request is lost.
// Thread-safe.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

namespace tessera::store::postgres {

class Canceller {
 public:
  // `on_error` (may be empty) hears of requests that could not be delivered.
  explicit Canceller(std::function<void(std::string_view)> on_error)
      : on_error_(std::move(on_error)) {}
  // Waits for the request in flight, if any (bounded by the kernel's connect timeout in the
  // worst case), and discards the queued ones.
  ~Canceller();
  Canceller(const Canceller&) = delete;
  Canceller& operator=(const Canceller&) = delete;

  // Queues a cancel of the statement `conn` is running. Never blocks. REQUIRES: called before
  // `conn` is closed (the request is copied out of it). Drops the request if kMaxQueued are
  // already waiting. The thread starts at the first request.
  void cancel(PGconn* conn);

 private:
  static constexpr std::size_t kMaxQueued = 64;
  struct Free {
    void operator()(PGcancel* c) const { PQfreeCancel(c); }
  };
  using Request = std::unique_ptr<PGcancel, Free>;

  void run(std::stop_token stop);

  std::function<void(std::string_view)> on_error_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<Request> queue_;  // guarded by mu_
  std::jthread thread_;        // started under mu_ by the first cancel()
};

}  // namespace tessera::store::postgres
