// A bounded worker pool for password hashing and verification (SPEC.md "Identity": hashing
// never runs on the threads that serve requests, so a login storm cannot stall token
// verification).
//
// Bounded twice: a fixed number of threads (the cores by default) and a fixed queue. When the
// queue is full `submit` refuses at once instead of queueing without limit: the caller answers
// "busy" (503) and the server keeps its memory and latency. Workers run at the lowest CPU
// priority (nice, and Linux's SCHED_IDLE class) so that, when cores are contended, I/O threads
// win at once and /auth/verify stays fast, while idle cores still go entirely to hashing.
// The price: while the I/O threads saturate every core, logins slow down (measured in
// bench/README.md: ~25 logins/s with p99 ~3 s under a 90k req/s verify load on 2 cores).
//
// Usage:
//   HashPool pool({});
//   if (!pool.submit([=] { auto ok = crypto::verify_password(phc, pw); done(ok); })) busy();
//
// Thread-safe: submit, stop and the gauges may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

namespace tessera::auth {

struct HashPoolConfig {
  std::size_t threads = 0;             // 0: std::thread::hardware_concurrency() (at least 1)
  std::size_t queue_per_thread = 256;  // queue capacity = threads * queue_per_thread
  int nice = 19;  // added niceness for the workers (Linux); non-zero also selects SCHED_IDLE;
                  // 0 keeps the caller's priority and class
};

class HashPool {
 public:
  explicit HashPool(const HashPoolConfig& config);
  // Stops (see stop()).
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  // Queues `job` to run on a worker, with the caller's request id (base/log_context.h) as the
  // worker's while it runs, so that its log lines and audit events name their request. Returns
  // false, without running or keeping it, when the queue is full or the pool is stopping. Jobs must
  // not throw (one that does is caught and dropped so the worker survives) and must not block on
  // other jobs of this pool.
  [[nodiscard]] bool submit(std::function<void()> job);

  // Refuses new jobs, runs every job already queued (so every completion callback fires), then
  // joins the workers. Idempotent. REQUIRES: not called from a worker.
  void stop();

  std::size_t threads() const { return workers_.size(); }
  std::size_t capacity() const { return capacity_; }
  // Jobs waiting (not running). A gauge for /metrics.
  std::size_t queued() const;
  // Jobs refused because the queue was full, since start. A counter for /metrics.
  std::size_t rejected() const;
  // Jobs a worker has taken, since start (counted before the job runs, so a caller that saw a
  // job's callback sees it counted). A counter for /metrics.
  std::size_t started() const;
  // Jobs running on a worker now (at most threads()). A gauge for /metrics.
  std::size_t busy() const;

 private:
  void run(int nice);

  // Workers are woken through a semaphore, one token per queued job and one per worker at
  // stop(), not a condition variable: a worker woken by a condition variable must then take mu_
  // again, and under load queued for it behind the other workers (on PostgreSQL refresh that
  // hand-off was the most frequent futex call). mu_ now only guards the queue for a push or a
  // pop. Every job token is matched by exactly one pop, so a worker that takes a token and finds
  // the queue empty holds a stop token.
  mutable std::mutex mu_;
  std::counting_semaphore<> ready_{0};
  struct Job {
    std::function<void()> run;
    std::string request_id;  // the submitter's, or ""
  };
  std::deque<Job> queue_;     // guarded by mu_
  bool stopping_ = false;     // guarded by mu_
  std::size_t rejected_ = 0;  // guarded by mu_
  std::size_t started_ = 0;   // guarded by mu_
  // Not guarded: a worker that finished a job says so without taking mu_ again.
  std::atomic<std::size_t> running_ = 0;
  std::size_t capacity_ = 0;
  std::vector<std::thread> workers_;
  std::once_flag stop_once_;
};

}  // namespace tessera::auth
