#include "http/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

namespace tessera::http {
namespace {

std::string utc_now() {
  using namespace std::chrono;
  auto now = time_point_cast<milliseconds>(system_clock::now());
  auto days = floor<std::chrono::days>(now);
  year_month_day ymd{days};
  hh_mm_ss hms{now - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", int{ymd.year()},
                unsigned{ymd.month()}, unsigned{ymd.day()}, static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()),
                static_cast<long>(hms.subseconds().count()));
  return buf;
}

std::string_view level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void log_event(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  nlohmann::ordered_json j;
  j["ts"] = utc_now();
  j["level"] = level_name(level);
  j["msg"] = msg;
  for (const auto& [key, value] : fields) j[std::string(key)] = value;
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line += '\n';
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace tessera::http
