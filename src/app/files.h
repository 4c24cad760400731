// POSIX file plumbing shared by the data dir's files (data_dir.cc: the master key and the lock;
// backup.cc: copies of the database). Errors are messages for stderr.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace tessera::app::files {

// strerror(errno), for messages.
std::string errno_text();

// Closes a file descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }  // the caller closes it

 private:
  int fd_;
};

std::expected<void, std::string> write_all(int fd, std::string_view data);

// Makes a rename or link in `dir` durable.
void sync_dir(const std::filesystem::path& dir);

// A new empty file (mode 0600) in `dir`, named from `stem` and a random suffix, open for writing:
// a temporary file that a later rename or link puts in place (or the caller removes).
struct TemporaryFile {
  Fd fd;
  std::filesystem::path path;
};
std::expected<TemporaryFile, std::string> make_temporary(const std::filesystem::path& dir,
                                                         std::string_view stem);

}  // namespace tessera::app::files
