#include "base/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <utility>

#include "base/log_context.h"
#include "base/log_format.h"

namespace tessera::base {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<LogFormat> format{LogFormat::kJson};

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

}  // namespace

void set_log_options(LogLevel level, LogFormat f) {
  min_level.store(static_cast<int>(level), std::memory_order_relaxed);
  format.store(f, std::memory_order_relaxed);
}

bool log_enabled(LogLevel level) {
  return static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

namespace {

// Adds the thread's request id unless a field named it already, formats and writes the line.
void emit(LogLevel level, std::string_view msg, LogLine::Fields& fields) {
  bool has_id = false;
  for (const auto& field : fields) has_id = has_id || field.first == "request_id";
  if (const std::string_view id = current_request_id(); !has_id && !id.empty()) {
    fields.emplace_back("request_id", id);
  }
  const std::string ts = utc_now();
  const LogLine line{.ts = ts, .level = level, .msg = msg, .fields = std::move(fields)};
  std::string out = format.load(std::memory_order_relaxed) == LogFormat::kText
                        ? format_log_text(line)
                        : format_log_json(line);
  out += '\n';
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void log_event(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  LogLine::Fields views;
  views.reserve(fields.size() + 1);
  for (const auto& [key, value] : fields) views.emplace_back(key, value);
  emit(level, msg, views);
}

void log_fields(LogLevel level, std::string_view msg,
                std::span<const std::pair<std::string, std::string>> fields) {
  if (!log_enabled(level)) return;
  LogLine::Fields views;
  views.reserve(fields.size() + 1);
  for (const auto& [key, value] : fields) views.emplace_back(key, value);
  emit(level, msg, views);
}

}  // namespace tessera::base
