#include "app/process_stats.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <vector>

namespace tessera::app {
namespace {

TEST(ProcessStats, OpenFdsCountsDescriptorsOpenedAndClosed) {
  const auto before = read_open_fds();
  ASSERT_TRUE(before.has_value());
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  EXPECT_EQ(read_open_fds(), *before + 5);
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(read_open_fds(), *before);
}

TEST(ProcessStats, MaxFdsIsTheSoftLimit) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur == RLIM_INFINITY) {
    EXPECT_FALSE(read_max_fds().has_value());
  } else {
    EXPECT_EQ(read_max_fds(), static_cast<std::uint64_t>(limit.rlim_cur));
  }
}

TEST(ProcessStats, CpuGrowsWithWorkAndNeverGoesBack) {
  const auto first = read_process_cpu_memory();
  ASSERT_TRUE(first.has_value());
  // Burn CPU until the reading moves (clock ticks are 10 ms): bounded by the work, not a time.
  volatile std::uint64_t sink = 0;
  std::optional<ProcessCpuMemory> later;
  for (int round = 0; round < 10000; ++round) {
    for (std::uint64_t i = 0; i < 1000000; ++i) sink = sink + i * i;
    later = read_process_cpu_memory();
    ASSERT_TRUE(later.has_value());
    ASSERT_GE(later->cpu_seconds, first->cpu_seconds);  // monotonic at every reading
    if (later->cpu_seconds > first->cpu_seconds) break;
  }
  EXPECT_GT(later->cpu_seconds, first->cpu_seconds);
}

TEST(ProcessStats, MemoryAndStartTimeAreThisProcesses) {
  const auto p = read_process_cpu_memory();
  ASSERT_TRUE(p.has_value());
  EXPECT_GT(p->resident_bytes, 0u);
  EXPECT_GE(p->virtual_bytes, p->resident_bytes);
  // Started before now, and not before this test binary could have been built (2020).
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(p->start_time_seconds, now + 2);  // btime is whole seconds
  EXPECT_GT(p->start_time_seconds, 1577836800.0);
  // Resident memory grows when pages are touched.
  std::vector<char> block(64 << 20);
  volatile char* touch = block.data();  // volatile: the writes must happen
  for (std::size_t i = 0; i < block.size(); i += 4096) touch[i] = 1;
  const auto after = read_process_cpu_memory();
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(after->resident_bytes, p->resident_bytes + (32u << 20));
}

}  // namespace
}  // namespace tessera::app
