#include "auth/hash_pool.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <stdexcept>
#include <thread>

#include "base/log_context.h"

namespace tessera::auth {
namespace {

TEST(HashPoolTest, DefaultsToTheCores) {
  HashPool pool({});
  EXPECT_EQ(pool.threads(), std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(pool.capacity(), pool.threads() * 256);
}

TEST(HashPoolTest, RunsJobsOnWorkerThreads) {
  HashPool pool({.threads = 2, .queue_per_thread = 8, .nice = 0});
  EXPECT_EQ(pool.threads(), 2u);
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(pool.submit([&] { ran.set_value(std::this_thread::get_id()); }));
  auto f = ran.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());
}

TEST(HashPoolTest, JobsRunUnderTheirSubmittersRequestId) {
  HashPool pool({.threads = 1, .queue_per_thread = 8, .nice = 0});
  std::promise<std::string> seen, none;
  {
    const base::RequestIdScope scope("req-7");
    ASSERT_TRUE(pool.submit([&] { seen.set_value(std::string(base::current_request_id())); }));
  }
  ASSERT_TRUE(pool.submit([&] { none.set_value(std::string(base::current_request_id())); }));
  auto f = seen.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(f.get(), "req-7");
  auto g = none.get_future();
  ASSERT_EQ(g.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(g.get(), "");  // the worker does not keep the previous job's
}

TEST(HashPoolTest, RefusesWhenTheQueueIsFull) {
  HashPool pool({.threads = 1, .queue_per_thread = 2, .nice = 0});
  std::promise<void> started;
  std::promise<void> release;
  auto release_f = release.get_future().share();
  ASSERT_TRUE(pool.submit([&, release_f] {
    started.set_value();
    release_f.wait();
  }));
  started.get_future().wait();  // the worker is busy; the queue is empty
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_TRUE(pool.submit([&] { ++ran; }));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.submit([&] { ++ran; }));  // full: refused, not run
  EXPECT_EQ(pool.rejected(), 1u);
  EXPECT_EQ(pool.started(), 1u);  // the busy job; the two queued ones wait
  release.set_value();
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
  EXPECT_EQ(pool.started(), 3u);  // the refused one never ran
}

TEST(HashPoolTest, StopRunsEverythingQueuedThenRefuses) {
  HashPool pool({.threads = 2, .queue_per_thread = 64, .nice = 0});
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(pool.submit([&] {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      ++ran;
    }));
  }
  pool.stop();
  EXPECT_EQ(ran.load(), 100);
  EXPECT_FALSE(pool.submit([&] { ++ran; }));
  pool.stop();  // idempotent
  EXPECT_EQ(ran.load(), 100);
}

TEST(HashPoolTest, AThrowingJobDoesNotKillTheWorker) {
  HashPool pool({.threads = 1, .queue_per_thread = 4, .nice = 0});
  ASSERT_TRUE(pool.submit([] { throw std::runtime_error("bug"); }));
  std::promise<void> ran;
  ASSERT_TRUE(pool.submit([&] { ran.set_value(); }));
  EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

int thread_niceness() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

TEST(HashPoolTest, WorkersRunNicerThanTheCaller) {
  // Raising one's own niceness needs no privilege, so this holds in containers too.
  const int mine = thread_niceness();
  HashPool pool({.threads = 1, .queue_per_thread = 4, .nice = 5});
  std::promise<int> prio;
  ASSERT_TRUE(pool.submit([&] { prio.set_value(thread_niceness()); }));
  EXPECT_EQ(prio.get_future().get(), std::min(19, mine + 5));
  EXPECT_EQ(thread_niceness(), mine);  // only the worker changed
}

TEST(HashPoolTest, LowPriorityWorkersUseTheIdleSchedulingClass) {
  // SCHED_IDLE (entering it needs no privilege): a waking I/O thread preempts a hashing worker
  // at once. A pool with nice 0 keeps the normal class.
  std::promise<int> idle_policy;
  std::promise<int> normal_policy;
  {
    HashPool pool({.threads = 1, .queue_per_thread = 4, .nice = 10});
    ASSERT_TRUE(pool.submit([&] { idle_policy.set_value(sched_getscheduler(0)); }));
    EXPECT_EQ(idle_policy.get_future().get(), SCHED_IDLE);
  }
  HashPool plain({.threads = 1, .queue_per_thread = 4, .nice = 0});
  ASSERT_TRUE(plain.submit([&] { normal_policy.set_value(sched_getscheduler(0)); }));
  EXPECT_EQ(normal_policy.get_future().get(), SCHED_OTHER);
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);  // the caller is untouched
}

}  // namespace
}  // namespace tessera::auth
