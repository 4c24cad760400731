#include "auth/hash_pool.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "base/log_context.h"

namespace tessera::auth {

HashPool::HashPool(const HashPoolConfig& config) {
  std::size_t n = config.threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  capacity_ = n * std::max<std::size_t>(1, config.queue_per_thread);
  workers_.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    workers_.emplace_back([this, nice = config.nice] { run(nice); });
}

HashPool::~HashPool() { stop(); }

bool HashPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= capacity_) {
      ++rejected_;
      return false;
    }
    queue_.push_back(Job{std::move(job), std::string(base::current_request_id())});
  }
  ready_.release();
  return true;
}

void HashPool::stop() {
  // call_once: a second caller waits until the first has joined every worker.
  std::call_once(stop_once_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    ready_.release(static_cast<std::ptrdiff_t>(workers_.size()));
    for (auto& w : workers_) w.join();
  });
}

std::size_t HashPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::size_t HashPool::rejected() const {
  std::lock_guard lock(mu_);
  return rejected_;
}

std::size_t HashPool::started() const {
  std::lock_guard lock(mu_);
  return started_;
}

std::size_t HashPool::busy() const { return running_.load(std::memory_order_relaxed); }

void HashPool::run(int nice) {
  if (nice != 0) {
    // On Linux, niceness is per thread: PRIO_PROCESS with a thread id sets only this thread.
    // Best effort; a refusal (e.g. a seccomp profile) just leaves the default priority.
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    const int current = ::getpriority(PRIO_PROCESS, tid);
    (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + nice));
    // SCHED_IDLE: a worker runs only on CPU time no other thread wants, and a waking I/O
    // thread preempts it at once (a nice level alone still lets the scheduler finish the
    // worker's slice first, which showed up as 2.4x /auth/verify p99 during a login storm).
    sched_param param{};
    param.sched_priority = 0;
    (void)::sched_setscheduler(static_cast<pid_t>(tid), SCHED_IDLE, &param);
  }
  for (;;) {
    Job job;
    {
      ready_.acquire();
      const std::lock_guard lock(mu_);
      if (queue_.empty()) return;  // stopping (see ready_), and everything queued has run
      job = std::move(queue_.front());
      queue_.pop_front();
      ++started_;
      ++running_;
    }
    try {
      const base::RequestIdScope scope(job.request_id);
      job.run();
    } catch (...) {
      // Contract violation by the job; keep the worker alive for the others.
    }
    job = Job{};  // what the job captured goes before it counts as done
    running_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace tessera::auth
