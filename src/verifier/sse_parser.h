// An incremental parser of a text/event-stream body (the HTML standard, "Server-sent events",
// section 9.2.6 "Interpreting an event stream"): bytes in as they arrive, whole events out.
// Hand-written because no Debian library parses server-sent events; it is the standard's
// algorithm, line by line:
//   - lines end with CRLF, LF or CR (a CR at the end of one chunk may be a CRLF's first half);
//   - "field: value" (one space after the colon dropped), "field" alone (empty value), lines
//     starting with ':' are comments (keep-alives);
//   - data lines are joined with "\n"; an empty line dispatches the event if it has data;
//   - id (without NUL) sets the last event id, which persists across events; retry (digits)
//     sets the reconnection time; other fields are ignored.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::verifier {

struct SseEvent {
  std::string type = "message";  // the `event` field
  std::string data;
  std::string last_event_id;  // the stream's last event id when it was dispatched
};

class SseParser {
 public:
  // Events are told to `on_event` as they complete. A line over `max_line` bytes fails the
  // stream (feed() returns false), so a hostile server cannot grow memory without bound.
  SseParser(std::function<void(const SseEvent&)> on_event, std::size_t max_line);

  // Feeds the next bytes. False: a line exceeded max_line (the caller drops the connection).
  bool feed(std::string_view bytes);
  std::optional<long> retry_ms() const { return retry_ms_; }

 private:
  void line(std::string_view text);

  std::function<void(const SseEvent&)> on_event_;
  std::size_t max_line_;
  std::string pending_;  // an incomplete line
  bool after_cr_ = false;
  std::string type_, data_, last_id_;
  bool has_data_ = false;
  std::optional<long> retry_ms_;
};

}  // namespace tessera::verifier
