// A deliberately tiny Redis client for tests (RESP2 over a blocking socket, no hiredis): what
// another tool, or an attacker with access to Redis, would do to the keys behind the stores'
// back. Replies are read as one line (+status, -error, :integer) or one bulk string.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace tessera::store::testing {

class RespClient {
 public:
  // `url` as the tests use it: redis://127.0.0.1:PORT
  explicit RespClient(std::string_view url) {
    const auto colon = url.rfind(':');
    const int port = std::stoi(std::string(url.substr(colon + 1)));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RespClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  // Sends one command; returns the reply with its type byte ("+OK", ":1", "-ERR ...", "$value",
  // "$" + "<nil>"), or "<io error>".
  std::string command(std::initializer_list<std::string_view> args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (std::string_view a : args) {
      out += "$" + std::to_string(a.size()) + "\r\n";
      out.append(a);
      out += "\r\n";
    }
    if (fd_ < 0 || ::write(fd_, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
      return "<io error>";
    }
    std::string line = read_line();
    if (line.empty() || line[0] != '$') return line;
    const long len = std::stol(line.substr(1));
    if (len < 0) return "$<nil>";
    std::string bulk;
    while (bulk.size() < static_cast<std::size_t>(len) + 2) {
      char c;
      if (::read(fd_, &c, 1) != 1) return "<io error>";
      bulk.push_back(c);
    }
    return "$" + bulk.substr(0, static_cast<std::size_t>(len));
  }

 private:
  std::string read_line() {
    std::string line;
    char c;
    while (::read(fd_, &c, 1) == 1) {
      if (c == '\n') {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      line.push_back(c);
    }
    return "<io error>";
  }

  int fd_ = -1;
};

}  // namespace tessera::store::testing
