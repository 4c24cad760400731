// Structured logs on stderr, one line per event: a JSON object (the default) or a text line
// (log.format, base/log_format.h), filtered by level (log.level). Thread-safe; a line is
// written whole.
//
// Never pass secrets: passwords, tokens, keys, cookies, full session ids (a session's public id
// is fine), CSRF tokens. Emails are personal data: log user ids instead (docs/operations.md
// "Logs").
//
// Request ids: a line emitted while a thread handles a request carries its "request_id"
// (base/log_context.h says who sets it); a caller may also pass one as a field.
//
// Cost: a line below the level is dropped before anything is formatted; code that would build
// costly fields first asks log_enabled().
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace tessera::base {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

using LogField = std::pair<std::string_view, std::string>;

// Sets the level and format for every later line (start-up; thread-safe, but meant to be
// called once, before the server serves). Defaults: info, json.
void set_log_options(LogLevel level, LogFormat format);

// Whether a line at `level` would be written. One relaxed atomic load.
bool log_enabled(LogLevel level);

void log_event(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});

// The same with fields built at run time.
void log_fields(LogLevel level, std::string_view msg,
                std::span<const std::pair<std::string, std::string>> fields);

}  // namespace tessera::base
