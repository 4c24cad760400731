// The two shapes of a log line (base/log.h), pure so that tests check them:
//   json: {"ts":"2026-12-06T12:00:00.123Z","level":"info","msg":"...","key":"value",...}
//   text: 2026-12-06T12:00:00.123Z INFO msg key=value key="two words" ...
// Text values (and the message) are written bare when they are non-empty and made only of
// printable ASCII other than space, '"', '=' and '\'; otherwise they are quoted, with '"' and
// '\' escaped as \" and \\, and control bytes as \n, \r, \t or \xHH, so one event is always
// one line and a value can never forge a key or another line. Bytes >= 0x80 (UTF-8) are kept.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/log.h"

namespace tessera::base {

struct LogLine {
  using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
  std::string_view ts;  // UTC, milliseconds, "2026-12-06T12:00:00.123Z"
  LogLevel level;
  std::string_view msg;
  Fields fields;
};

// "debug", "info", "warn", "error".
std::string_view log_level_name(LogLevel level);

// The line without its final '\n'. In json, a later field with an earlier field's name
// replaces its value (never a duplicate key).
std::string format_log_json(const LogLine& line);
std::string format_log_text(const LogLine& line);

// `value` as the text format writes it (bare or quoted, as above).
void append_log_text_value(std::string& out, std::string_view value);

}  // namespace tessera::base
