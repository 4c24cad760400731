#include "base/log_format.h"

#include <nlohmann/json.hpp>

namespace tessera::base {
namespace {

bool bare(std::string_view value) {
  if (value.empty()) return false;
  for (unsigned char c : value) {
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '=' || c == '\\') return false;
  }
  return true;
}

std::string_view upper_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

}  // namespace

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void append_log_text_value(std::string& out, std::string_view value) {
  if (bare(value)) {
    out += value;
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string format_log_json(const LogLine& line) {
  nlohmann::ordered_json j;
  j["ts"] = line.ts;
  j["level"] = log_level_name(line.level);
  j["msg"] = line.msg;
  for (const auto& [key, value] : line.fields) j[std::string(key)] = value;
  // error_handler_t::replace: a stray invalid UTF-8 byte never makes dump() throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_log_text(const LogLine& line) {
  std::string out;
  out.reserve(64 + line.msg.size() + 24 * line.fields.size());
  out += line.ts;
  out += ' ';
  out += upper_level_name(line.level);
  out += ' ';
  append_log_text_value(out, line.msg);
  for (const auto& [key, value] : line.fields) {
    out += ' ';
    out += key;  // keys are the program's own identifiers, never input
    out += '=';
    append_log_text_value(out, value);
  }
  return out;
}

}  // namespace tessera::base
