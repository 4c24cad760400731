#include "verifier/sse_parser.h"

#include <utility>

namespace tessera::verifier {

SseParser::SseParser(std::function<void(const SseEvent&)> on_event, std::size_t max_line)
    : on_event_(std::move(on_event)), max_line_(max_line) {}

bool SseParser::feed(std::string_view bytes) {
  for (const char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // the LF of a CRLF
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      line(pending_);
      pending_.clear();
      continue;
    }
    if (pending_.size() >= max_line_) return false;
    pending_ += c;
  }
  return true;
}

void SseParser::line(std::string_view text) {
  if (text.empty()) {
    if (has_data_) {
      SseEvent e;
      e.type = type_.empty() ? "message" : type_;
      e.data = std::move(data_);
      e.last_event_id = last_id_;
      on_event_(e);
    }
    type_.clear();
    data_.clear();
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;  // a comment
  std::string_view field = text, value;
  if (const std::size_t colon = text.find(':'); colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    type_ = value;
  } else if (field == "data") {
    if (has_data_) data_ += '\n';
    data_ += value;
    has_data_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = value;
  } else if (field == "retry") {
    if (!value.empty() && value.size() < 10 &&
        value.find_first_not_of("0123456789") == std::string_view::npos) {
      retry_ms_ = std::stol(std::string(value));
    }
  }
}

}  // namespace tessera::verifier
