// The files under web/, compiled into the binary (cmake/EmbedFiles.cmake generates the
// definition at build time from whatever web/ holds), so `tessera serve` needs no files beside
// it and a page can never be out of step with the code that serves it.
#pragma once

#include <span>
#include <string_view>

namespace tessera::api {

struct EmbeddedFile {
  std::string_view path;    // relative to web/, '/'-separated: "login.html", "static/app.js"
  std::string_view data;    // the file's bytes
  std::string_view sha256;  // lower-case hex SHA-256 of `data` (ETags)
};

// Every embedded file, sorted by path. Static storage: the views never dangle.
std::span<const EmbeddedFile> embedded_web_files();

}  // namespace tessera::api
