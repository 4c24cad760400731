// The data directory of the embedded default and the one secret kept beside the database:
// the master key that seals the keyring's private keys (auth/keyring.h) when
// keys.encryption_key is not configured.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <utility>

#include "crypto/aead.h"

namespace tessera::app {

// Creates `dir` (and missing parents) if absent, the last component with mode 0700. An existing
// directory is used as it is. Errors: not a directory, cannot create, not writable.
std::expected<void, std::string> ensure_data_dir(const std::filesystem::path& dir);

// The key that seals the keyring's private keys in the store (auth/keyring.h) when
// keys.encryption_key is not configured: <dir>/master.key, base64url of 32 random bytes, created
// on first use (mode 0600; written to a temporary file, fsynced and linked, so it appears
// complete, and if another process created it meanwhile that one is used; refused, never
// overwritten, if it is malformed, a symlink, or readable by group or others). Keep it apart from
// the database in backups (app/backup.h): the two together hold live keys.
std::expected<crypto::AeadKey, std::string> load_or_create_master_key(
    const std::filesystem::path& dir);

// The master key file in `dir`: <dir>/master.key (load_or_create_master_key).
std::filesystem::path master_key_file(const std::filesystem::path& dir);

// The embedded store's database in `dir`: <dir>/tessera.db (with its -wal and -shm beside it).
std::filesystem::path database_file(const std::filesystem::path& dir);

// A hold on a data directory, taken without waiting and kept while the object lives: `tessera
// serve` holds it shared (servers may share a directory), `tessera restore` exclusive, so a
// restore never replaces a database a server has open and no server starts during one. An
// flock(2) on <dir>/tessera.lock (created 0600), released when the process ends however it ends:
// no stale lock after a crash. The error says who holds it.
class DataDirLock {
 public:
  enum class Mode { kShared, kExclusive };
  static std::expected<DataDirLock, std::string> acquire(const std::filesystem::path& dir,
                                                         Mode mode);
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// A configured master key: base64url of exactly 32 bytes (trailing newline allowed).
std::expected<crypto::AeadKey, std::string> master_key_from_text(std::string_view text);

}  // namespace tessera::app
