// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"listening","url":"http://..."}
// Thread-safe; a line is written whole. Never pass secrets (keys, tokens, passwords, cookies).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tessera::http {

enum class LogLevel { kInfo, kWarn, kError };

using LogField = std::pair<std::string_view, std::string>;

void log_event(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});

}  // namespace tessera::http
