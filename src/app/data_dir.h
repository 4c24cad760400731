// The data directory of the embedded default and the one secret kept beside the database:
// the master key that seals the keyring's private keys (auth/keyring.h) when
// keys.encryption_key is not configured.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

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
// the database in backups: the two together hold live keys.
std::expected<crypto::AeadKey, std::string> load_or_create_master_key(
    const std::filesystem::path& dir);

// A configured master key: base64url of exactly 32 bytes (trailing newline allowed).
std::expected<crypto::AeadKey, std::string> master_key_from_text(std::string_view text);

}  // namespace tessera::app
