#include "http/response_head.h"

#include <charconv>
#include <chrono>
#include <cstdint>

#include "http/log.h"
#include "http/problem.h"

namespace tessera::http::detail {
namespace {

// Header fields the server sets itself, whatever the handler says.
bool server_field(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection") || iequals(name, "X-Content-Type-Options") ||
         iequals(name, "Strict-Transport-Security") || iequals(name, "X-Request-Id");
}

// A name that is a token and a value without CR, LF or NUL (RFC 9110 section 5.5).
bool safe_field(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The Date field value for now (RFC 9110 section 6.6.1), formatted once per second per thread.
const std::string& date_now() {
  thread_local std::int64_t cached_second = -1;
  thread_local std::string cached;
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (now != cached_second) {
    cached = http_date(now);
    cached_second = now;
  }
  return cached;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string_view format_response(const Response& res, Framing framing, std::string& out) {
  out.clear();
  // Status line (RFC 9112 section 4): "HTTP/1.1 200 OK".
  char status[3] = {static_cast<char>('0' + res.status / 100),
                    static_cast<char>('0' + res.status / 10 % 10),
                    static_cast<char>('0' + res.status % 10)};
  out.append("HTTP/1.").push_back(framing.version == 10 ? '0' : '1');
  out.append(" ").append(status, 3).append(" ").append(reason_phrase(res.status)).append("\r\n");

  bool has_cache_control = false, has_date = false;
  for (const auto& [name, value] : res.headers) {
    if (server_field(name)) continue;
    if (!safe_field(name, value)) {  // response splitting: drop the field, tell the log
      log_event(LogLevel::kError, "handler set an invalid header field", {{"name", name}});
      continue;
    }
    has_cache_control = has_cache_control || iequals(name, "Cache-Control");
    has_date = has_date || iequals(name, "Date");
    append_field(out, name, value);
  }
  if (!has_cache_control) out.append("Cache-Control: no-store\r\n");
  if (!has_date) append_field(out, "Date", date_now());
  out.append("X-Content-Type-Options: nosniff\r\n");
  if (!framing.request_id.empty()) append_field(out, "X-Request-Id", framing.request_id);
  out.append(framing.connection_fields);
  if (framing.version == 10) {
    if (framing.keep_alive) out.append("Connection: keep-alive\r\n");
  } else if (!framing.keep_alive) {
    out.append("Connection: close\r\n");
  }

  // 204 and 304 have no content (RFC 9110 sections 15.3.5, 15.4.5), and no Content-Length.
  if (res.status == 204 || res.status == 304) {
    out.append("\r\n");
    return {};
  }
  if (framing.streamed) {
    out.append("\r\n");
    return res.body;
  }
  char length[24];
  auto [end, ec] = std::to_chars(length, length + sizeof length, res.body.size());
  out.append("Content-Length: ").append(length, end).append("\r\n\r\n");
  if (framing.head) return {};
  return res.body;
}

}  // namespace tessera::http::detail
