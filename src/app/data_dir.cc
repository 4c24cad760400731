#include "app/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "app/files.h"
#include "base/base64url.h"
#include "crypto/hash.h"

namespace tessera::app {
namespace {

namespace fs = std::filesystem;
using files::errno_text;
using files::Fd;
using files::sync_dir;
using files::write_all;

constexpr const char* kMasterKeyFile = "master.key";
constexpr const char* kLockFile = "tessera.lock";
constexpr const char* kDatabaseFile = "tessera.db";
constexpr std::size_t kMaxSecretFile = 1 << 20;

// Reads a secret file (master.key) without following a symlink, checking its mode
// on the open file itself (no window between the check and the read).
std::expected<std::string, std::string> read_secret_file(const fs::path& path, bool& missing) {
  missing = false;
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      missing = true;
      return std::string();
    }
    if (errno == ELOOP) return std::unexpected(path.string() + " is a symbolic link; refusing it");
    return std::unexpected("cannot read " + path.string() + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected("cannot stat " + path.string());
  if (!S_ISREG(st.st_mode)) return std::unexpected(path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    return std::unexpected(path.string() +
                           " holds secrets but is accessible by group or others; "
                           "run: chmod 600 " +
                           path.string());
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxSecretFile) {
    return std::unexpected(path.string() + " is larger than 1 MiB");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::unexpected("cannot read " + path.string());
    got += static_cast<std::size_t>(n);
  }
  return text;
}

// Writes `content` to a new file in `dir` and links it as `name`, which must not exist yet.
// Returns false (no error) when `name` appeared meanwhile.
std::expected<bool, std::string> create_secret_file(const fs::path& dir, const char* name,
                                                    const std::string& content) {
  auto made = files::make_temporary(dir, std::string(".") + name);
  if (!made) return std::unexpected(made.error());
  const std::string tmp = made->path.string();
  const Fd& fd = made->fd;
  auto cleanup = [&] { ::unlink(tmp.c_str()); };
  if (auto w = write_all(fd.get(), content); !w || ::fsync(fd.get()) != 0) {
    cleanup();
    return std::unexpected("cannot write " + tmp + ": " + (w ? errno_text() : w.error()));
  }
  // link(), unlike rename(), fails if the target exists: two servers starting at once on one
  // data dir end up with one key, not two that each believe they own.
  const fs::path target = dir / name;
  int linked = ::link(tmp.c_str(), target.c_str());
  int link_errno = errno;
  cleanup();
  if (linked != 0) {
    if (link_errno == EEXIST) return false;
    return std::unexpected("cannot create " + target.string() + ": " + std::strerror(link_errno));
  }
  sync_dir(dir);
  return true;
}

}  // namespace

std::expected<void, std::string> ensure_data_dir(const fs::path& dir) {
  std::error_code ec;
  auto status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    if (dir.has_parent_path() && !dir.parent_path().empty()) {
      fs::create_directories(dir.parent_path(), ec);
      if (ec)
        return std::unexpected("cannot create data dir " + dir.string() + ": " + ec.message());
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return std::unexpected("cannot create data dir " + dir.string() + ": " + errno_text());
    }
    status = fs::status(dir, ec);
  }
  if (!fs::is_directory(status)) {
    return std::unexpected("data dir " + dir.string() + " is not a directory");
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return std::unexpected("data dir " + dir.string() + " is not writable: " + errno_text());
  }
  return {};
}

fs::path master_key_file(const fs::path& dir) { return dir / kMasterKeyFile; }

fs::path database_file(const fs::path& dir) { return dir / kDatabaseFile; }

std::expected<DataDirLock, std::string> DataDirLock::acquire(const fs::path& dir, Mode mode) {
  const fs::path path = dir / kLockFile;
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return std::unexpected("cannot open " + path.string() + ": " + errno_text());
  const int how = (mode == Mode::kShared ? LOCK_SH : LOCK_EX) | LOCK_NB;
  int rc;
  do {
    rc = ::flock(fd.get(), how);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno == EWOULDBLOCK) {
    return std::unexpected(mode == Mode::kShared
                               ? dir.string() + " is being restored (tessera restore holds " +
                                     path.string() + "): start the server when it has finished"
                               : dir.string() + " is in use by a running server (it holds " +
                                     path.string() + "): stop every tessera serve on it first");
  }
  if (rc != 0) return std::unexpected("cannot lock " + path.string() + ": " + errno_text());
  return DataDirLock(fd.release());
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<crypto::AeadKey, std::string> master_key_from_text(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto raw = base::base64url_decode(text);
  crypto::AeadKey key{};
  if (!raw || raw->size() != key.size()) {
    return std::unexpected("must be base64url of exactly 32 bytes");
  }
  std::memcpy(key.data(), raw->data(), key.size());
  crypto::cleanse(*raw);
  return key;
}

std::expected<crypto::AeadKey, std::string> load_or_create_master_key(const fs::path& dir) {
  const fs::path path = master_key_file(dir);
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool missing = false;
    auto text = read_secret_file(path, missing);
    if (!text) return std::unexpected(text.error());
    if (!missing) {
      auto key = master_key_from_text(*text);
      crypto::cleanse(*text);
      if (!key) return std::unexpected(path.string() + ": " + key.error());
      return key;
    }
    std::string fresh = base::base64url_encode(crypto::random_bytes(crypto::kAeadKeyBytes));
    auto created = create_secret_file(dir, kMasterKeyFile, fresh + "\n");
    if (!created) return std::unexpected(created.error());
    if (*created) return master_key_from_text(fresh);
    // Someone else created it first: load theirs.
  }
  return std::unexpected("cannot create " + path.string());
}

}  // namespace tessera::app
