#include "app/config_log.h"

namespace tessera::app {

using detail::Field;
using detail::one_of;
using detail::Problem;

std::vector<Field> LogSection::fields() {
  return {
      {kName, "level", &level,
       "The least severe lines written: `debug`, `info`, `warn` or `error`. `debug` adds one "
       "line per request (method, route, status, duration_ms, request_id); the others write "
       "none per request, only events (logins, refusals, start-up warnings)."},
      {kName, "format", &format,
       "`json` (one JSON object per line: `ts`, `level`, `msg`, then the fields) or `text` "
       "(`2026-12-06T12:00:00.123Z INFO msg key=value ...`, values quoted and escaped when "
       "needed)."},
  };
}

std::optional<Problem> LogSection::check() const {
  if (!one_of(level, {"debug", "info", "warn", "error"})) {
    return Problem{"level", "must be \"debug\", \"info\", \"warn\" or \"error\""};
  }
  if (!one_of(format, {"json", "text"})) return Problem{"format", "must be \"json\" or \"text\""};
  return std::nullopt;
}

base::LogLevel LogSection::log_level() const {
  if (level == "debug") return base::LogLevel::kDebug;
  if (level == "warn") return base::LogLevel::kWarn;
  if (level == "error") return base::LogLevel::kError;
  return base::LogLevel::kInfo;
}

base::LogFormat LogSection::log_format() const {
  return format == "text" ? base::LogFormat::kText : base::LogFormat::kJson;
}

}  // namespace tessera::app
