#include "app/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tessera::app {
namespace {

// /proc/stat's "btime <seconds>": when the system booted (process start times count from it).
std::optional<double> boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double v = 0;
      if (in >> v) return v;
      return std::nullopt;
    }
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessCpuMemory> read_process_cpu_memory() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // Field 2, the command name, is in parentheses and may hold spaces and parentheses itself:
  // the fields after it start after the LAST ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string w; rest >> w && f.size() < 22;) f.push_back(w);
  if (f.size() < 22) return std::nullopt;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  const auto boot = boot_time_seconds();
  if (ticks <= 0 || page <= 0 || !boot) return std::nullopt;
  try {
    // proc(5): utime (14), stime (15), starttime (22), vsize (23), rss (24); f[i] is field i+3.
    const double utime = std::stod(f[11]), stime = std::stod(f[12]);
    const double start = std::stod(f[19]);
    ProcessCpuMemory out;
    out.cpu_seconds = (utime + stime) / static_cast<double>(ticks);
    out.start_time_seconds = *boot + start / static_cast<double>(ticks);
    out.virtual_bytes = std::stoull(f[20]);
    out.resident_bytes = std::stoull(f[21]) * static_cast<std::uint64_t>(page);
    return out;
  } catch (...) {  // a field that is not a number: not the format proc(5) describes
    return std::nullopt;
  }
}

std::optional<std::uint64_t> read_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  std::uint64_t n = 0;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n > 0 ? n - 1 : 0;  // the directory stream's own descriptor was listed too
}

std::optional<std::uint64_t> read_max_fds() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace tessera::app
