#include "http/problem.h"

#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>

namespace tessera::http {

std::string_view reason_phrase(int status) {
  namespace bh = boost::beast::http;
  if (status < 100 || status > 999) return "Unknown Status";
  std::string_view r = bh::obsolete_reason(bh::int_to_status(static_cast<unsigned>(status)));
  return r == "<unknown-status>" ? std::string_view("Unknown Status") : r;
}

std::string problem_json(int status, std::string_view detail) {
  nlohmann::ordered_json j = {{"type", "about:blank"},
                              {"title", reason_phrase(status)},
                              {"status", status},
                              {"detail", detail}};
  // Invalid UTF-8 in a detail (e.g. an echoed header) is replaced rather than thrown on.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Response problem(int status, std::string_view detail) {
  return make_response(status, problem_json(status, detail), "application/problem+json");
}

}  // namespace tessera::http
