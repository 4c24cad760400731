// Test-only: the `tessera` binary as a child process, for the suites that start the real
// server (`tessera serve --listen 127.0.0.1:0` announces "listening on http://HOST:PORT" as its
// first stdout line) or run a subcommand to its exit. The destructor kills the child by its PID
// (SIGKILL) if it still runs: no test leaves a server behind, even when an ASSERT returns early.
//
// REQUIRES: TESSERA_BINARY, the path of the binary, defined by the test target (CMake).
//
// Usage:
//   TesseraProcess server({"serve", "--listen", "127.0.0.1:0", "--data-dir", dir});
//   std::uint16_t port = announced_port(server.first_line().value_or(""));  // 0: no server
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "read_line.h"

#ifndef TESSERA_BINARY
#error "TESSERA_BINARY must name the tessera binary (target_compile_definitions)"
#endif

namespace tessera::http::testing {

class TesseraProcess {
 public:
  // kPipe keeps stderr (the JSON log) for stderr_text(): only for children that log little
  // or exit, since nobody reads the pipe before then and a full pipe blocks the child.
  // kDiscard sends it to /dev/null: for a server under many requests. kFile appends it to
  // `stderr_file` (created if absent): a busy server whose log a failing test wants to show.
  enum class Stderr { kPipe, kDiscard, kFile };

  // Starts TESSERA_BINARY with `args`; stdout is a pipe. On failure pid() is -1.
  explicit TesseraProcess(const std::vector<std::string>& args, Stderr err = Stderr::kPipe,
                          const std::string& stderr_file = {}) {
    int out[2] = {-1, -1}, errp[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    if (err == Stderr::kFile) {
      errp[1] = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    } else if (err == Stderr::kPipe && ::pipe2(errp, O_CLOEXEC) != 0) {
      errp[1] = -1;
    }
    if (err != Stderr::kDiscard && errp[1] < 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::string binary = TESSERA_BINARY;
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    argv.push_back(binary.data());
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      const int to = err == Stderr::kDiscard ? ::open("/dev/null", O_WRONLY) : errp[1];
      ::dup2(to, 2);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
    if (errp[1] >= 0) ::close(errp[1]);
    if (err == Stderr::kPipe) err_ = errp[0];
  }
  ~TesseraProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }
  TesseraProcess(const TesseraProcess&) = delete;
  TesseraProcess& operator=(const TesseraProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Whether the child still runs (a child that exited is reaped).
  bool alive() {
    if (pid_ <= 0 || exited_) return false;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) exited_ = true;
    return !exited_;
  }

  // The next stdout line, if it comes within `timeout`.
  std::optional<std::string> first_line(
      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::string line;
    if (out_ < 0 || !read_line(out_, line, timeout)) return std::nullopt;
    return line;
  }

  // The exit code, if the process exits normally within `timeout`; -1 if it was killed by a
  // signal, nullopt if it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  // Everything written to stderr so far (only with Stderr::kPipe). Call after exit: it reads
  // to end of file.
  std::string stderr_text() { return drain(err_); }
  // Everything written to stdout and not read yet. Call after exit.
  std::string stdout_text() { return drain(out_); }

 private:
  static std::string drain(int fd) {
    std::string text;
    if (fd < 0) return text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    return text;
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int out_ = -1;
  int err_ = -1;
};

// The port of a "listening on http://HOST:PORT" (or https) announcement; 0 if it is not one.
inline std::uint16_t announced_port(std::string_view line) {
  constexpr std::string_view kPrefix = "listening on ";
  const std::size_t colon = line.rfind(':');
  if (!line.starts_with(kPrefix) || colon == std::string_view::npos) return 0;
  unsigned port = 0;
  for (char c : line.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return 0;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  return port > 0 && port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace tessera::http::testing
