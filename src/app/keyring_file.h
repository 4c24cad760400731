// The signing keys of the embedded default, in one file: <data dir>/keys.json, a JWK Set with
// private members ({"keys":[<private jwk>, ...]}), mode 0600, in a data directory of mode 0700.
// (The keyring with next/active/retired states and the SQLite store replace this file with the
// token service; until then, this is what `tessera serve` signs and publishes with.)
#pragma once

#include <expected>
#include <filesystem>
#include <string>

#include "tessera/jwk.h"

namespace tessera::app {

// Creates `dir` (and missing parents) if absent, the last component with mode 0700. An existing
// directory is used as it is. Errors: not a directory, cannot create, not writable.
std::expected<void, std::string> ensure_data_dir(const std::filesystem::path& dir);

// Loads <dir>/keys.json or, if there is none, generates one ES256 key and persists it first.
// Creation is atomic and exclusive: the file appears complete (temp file, fsync, link) and if
// another process created it meanwhile, that one is loaded instead. A file that is malformed,
// holds no private signing key, is not a regular file, or is accessible by group or others is
// refused with a message: it is never overwritten.
// REQUIRES: ensure_data_dir(dir) succeeded.
std::expected<jose::Jwks, std::string> load_or_create_keys(const std::filesystem::path& dir);

}  // namespace tessera::app
