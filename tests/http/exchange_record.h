// The HTTP suites' traffic for the OpenAPI check (docs/api.md): when the environment names a
// directory in TESSERA_OPENAPI_RECORD, every exchange api_client.h makes is appended to
// <dir>/<pid>.ndjson as one JSON line {"method","target","status","content_type","allow",
// "body"} (body: the text, for JSON media types only). tests/openapi/check_responses.mjs
// validates them against docs/openapi.yaml. Unset: nothing is written. Test-only; header-only.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tessera::http::testing {

// While one exists (in any thread), exchanges are not recorded: for traffic that
// docs/openapi.yaml does not describe on purpose - a server with server.admin_listen, whose
// public listener answers 404 for the operator's routes and whose admin listener serves only
// them (docs/operations.md describes that deployment).
class NotRecorded {
 public:
  NotRecorded() { paused().fetch_add(1); }
  ~NotRecorded() { paused().fetch_sub(1); }
  NotRecorded(const NotRecorded&) = delete;
  NotRecorded& operator=(const NotRecorded&) = delete;
  static std::atomic<int>& paused() {
    static std::atomic<int> n{0};
    return n;
  }
};

// Records one exchange: `request_line` is the request's first line ("GET /path HTTP/1.1"). Safe
// from many threads (all_at_once); a failure to write loses the line, never the test.
inline void record_exchange(std::string_view request_line, int status,
                            std::string_view content_type, std::string_view allow,
                            std::string_view body) {
  static const char* dir = std::getenv("TESSERA_OPENAPI_RECORD");
  if (dir == nullptr || *dir == '\0' || NotRecorded::paused().load() > 0) return;
  const std::size_t sp = request_line.find(' ');
  const std::size_t sp2 = request_line.find(' ', sp + 1);
  if (sp == std::string_view::npos || sp2 == std::string_view::npos) return;
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  nlohmann::json line = {{"method", request_line.substr(0, sp)},
                         {"target", request_line.substr(sp + 1, sp2 - sp - 1)},
                         {"status", status},
                         {"content_type", content_type},
                         {"allow", allow}};
  if (media == "application/json" || media.ends_with("+json")) line["body"] = body;
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::filesystem::create_directories(dir);
  std::ofstream out(std::filesystem::path(dir) / (std::to_string(::getpid()) + ".ndjson"),
                    std::ios::app);
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace tessera::http::testing
