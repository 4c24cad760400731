#include "app/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tessera::app::files {

std::string errno_text() { return std::strerror(errno); }

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<void, std::string> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(errno_text());
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

void sync_dir(const std::filesystem::path& dir) {
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() >= 0) ::fsync(d.get());
}

std::expected<TemporaryFile, std::string> make_temporary(const std::filesystem::path& dir,
                                                         std::string_view stem) {
  std::string tmp = (dir / (std::string(stem) + ".XXXXXX")).string();
  Fd fd(::mkstemp(tmp.data()));  // mode 0600
  if (fd.get() < 0) {
    return std::unexpected("cannot create a file in " + dir.string() + ": " + errno_text());
  }
  if (::fchmod(fd.get(), 0600) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    return std::unexpected("cannot chmod " + tmp + ": " + why);
  }
  return TemporaryFile{std::move(fd), tmp};
}

}  // namespace tessera::app::files
