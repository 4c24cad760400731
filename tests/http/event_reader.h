// A test client for an event stream (text/event-stream, WHATWG HTML "Server-sent events"): one
// GET on its own connection, the head read, then events one at a time as they arrive, each
// with its id, event name and data (multi-line data joined with '\n'; comments skipped).
// Test-only; header-only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::http::testing {

struct StreamEvent {
  std::string id;  // "" when the event had no id field
  std::string event;
  std::string data;
};

class EventReader {
 public:
  // Connects to 127.0.0.1:`port` and sends GET `path` with `headers` ("Name: value" each).
  EventReader(std::uint16_t port, const std::string& path,
              const std::vector<std::string>& headers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close();
      return;
    }
    std::string raw =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const std::string& h : headers) raw += h + "\r\n";
    raw += "\r\n";
    if (::send(fd_, raw.data(), raw.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(raw.size())) {
      close();
    }
  }
  ~EventReader() { close(); }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // The status line and header fields (up to the blank line), or "" if they did not come.
  std::string head(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    auto end = until("\r\n\r\n", wait);
    if (!end) return "";
    std::string h = buffer_.substr(0, *end);
    buffer_.erase(0, *end + 4);
    return h;
  }

  // The next event (comments and retry-only blocks skipped), or nullopt if none arrives within
  // `wait` or the stream ended.
  std::optional<StreamEvent> next(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto end = until("\n\n", std::max(left, std::chrono::milliseconds(0)));
      if (!end) return std::nullopt;
      std::string block = buffer_.substr(0, *end);
      buffer_.erase(0, *end + 2);
      StreamEvent e;
      bool any = false;
      std::size_t pos = 0;
      while (pos <= block.size()) {
        std::size_t nl = block.find('\n', pos);
        if (nl == std::string::npos) nl = block.size();
        std::string line = block.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty() || line[0] == ':') continue;
        std::size_t colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") {
          e.id = value;
          any = true;
        } else if (field == "event") {
          e.event = value;
          any = true;
        } else if (field == "data") {
          e.data += (e.data.empty() ? "" : "\n") + value;
          any = true;
        }
      }
      if (any) return e;
    }
  }

  // True when the server closes the connection within `wait` (whatever it sent first is read).
  bool closed(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      int r = fill(left);
      if (r == 0) return true;  // EOF
      if (r < 0) return errno == ECONNRESET;
    }
  }

 private:
  // Reads until `marker` is buffered: its offset, or nullopt on timeout or EOF.
  std::optional<std::size_t> until(const std::string& marker, std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      if (auto at = buffer_.find(marker); at != std::string::npos) return at;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fill(left) <= 0) return std::nullopt;
    }
  }
  // One read within `wait`: bytes read (> 0), 0 at EOF, -1 on error or timeout (errno).
  int fill(std::chrono::milliseconds wait) {
    if (fd_ < 0) return -1;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (ready <= 0) {
      errno = ready == 0 ? ETIMEDOUT : errno;
      return -1;
    }
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) buffer_.append(buf, static_cast<std::size_t>(n));
    return static_cast<int>(n);
  }

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace tessera::http::testing
