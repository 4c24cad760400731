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

namespace {

nlohmann::ordered_json problem_object(int status, ProblemCode code, std::string_view detail) {
  return {{"type", "about:blank"},
          {"title", reason_phrase(status)},
          {"status", status},
          {"detail", detail},
          {"code", code.value()}};
}

// Invalid UTF-8 in a detail (e.g. an echoed header) is replaced rather than thrown on.
std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::string problem_json(int status, ProblemCode code, std::string_view detail) {
  return dump(problem_object(status, code, detail));
}

Response problem(int status, ProblemCode code, std::string_view detail) {
  return problem(status, code, detail, {});
}

Response problem(int status, ProblemCode code, std::string_view detail,
                 std::initializer_list<ProblemMember> extra) {
  nlohmann::ordered_json j = problem_object(status, code, detail);
  for (const ProblemMember& m : extra) {
    if (m.is_number) {
      j[std::string(m.name)] = m.number;
    } else if (m.is_true) {
      j[std::string(m.name)] = true;
    } else if (m.is_array) {
      auto& a = j[std::string(m.name)] = nlohmann::ordered_json::array();
      for (const std::string& t : m.texts) a.push_back(t);
    } else {
      j[std::string(m.name)] = m.text;
    }
  }
  return make_response(status, dump(j), "application/problem+json");
}

}  // namespace tessera::http
