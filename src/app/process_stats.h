// The process's own resource use, read from Linux's /proc and getrlimit at the moment asked:
// the standard Prometheus process_* metrics (app/server_metrics.cc samples them at scrape time).
// Each function reads its source afresh (no caching) and answers nullopt when it cannot (not
// Linux, /proc not mounted): the metric then shows NaN rather than a made-up value.
//
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <optional>

namespace tessera::app {

struct ProcessCpuMemory {
  double cpu_seconds = 0;            // user + system CPU time since the process started
  double start_time_seconds = 0;     // when it started, seconds since the Unix epoch
  std::uint64_t virtual_bytes = 0;   // virtual memory size
  std::uint64_t resident_bytes = 0;  // resident set size
};

// From /proc/self/stat (fields utime, stime, starttime, vsize, rss; proc(5)), with the clock
// tick and page size from sysconf and the boot time from /proc/stat's btime.
std::optional<ProcessCpuMemory> read_process_cpu_memory();

// Open file descriptors: the entries of /proc/self/fd (the one used to list it excluded).
std::optional<std::uint64_t> read_open_fds();

// The soft limit on file descriptors (RLIMIT_NOFILE); nullopt when unlimited.
std::optional<std::uint64_t> read_max_fds();

}  // namespace tessera::app
