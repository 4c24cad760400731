#include "api/page_words.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace tessera::api {
namespace {

std::string member(const http::Response& problem, const char* name) {
  const nlohmann::json body =
      nlohmann::json::parse(problem.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return {};
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Retry-After as delay-seconds (what error_mapping.cc writes), or -1 when absent or otherwise.
std::int64_t retry_after(const http::Response& problem) {
  auto value = problem.headers.get("Retry-After");
  if (!value || value->empty()) return -1;
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
  return ec == std::errc() && end == value->data() + value->size() ? seconds : -1;
}

// "password must be at least 8 characters" -> "Password must be at least 8 characters."
std::string sentence(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return {};
  std::string out(text);
  if (out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  if (out.back() != '.' && out.back() != '!' && out.back() != '?') out += '.';
  return out;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

std::string wait_text(std::int64_t seconds) {
  if (seconds < 0) return "later";
  if (seconds <= 5) return "in a few seconds";
  if (seconds < 60) return "in " + std::to_string(seconds) + " seconds";
  const std::int64_t minutes = ceil_div(seconds, 60);
  if (minutes < 90)
    return "in " + std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
  return "in " + std::to_string(ceil_div(seconds, 3600)) + " hours";
}

std::string problem_code(const http::Response& problem) { return member(problem, "code"); }

std::string problem_detail(const http::Response& problem) { return member(problem, "detail"); }

std::string describe_problem(const http::Response& problem, std::span<const OwnWords> own) {
  const std::string code = problem_code(problem);
  if (!code.empty()) {
    for (const OwnWords& w : own) {
      if (w.code == code) return std::string(w.words);
    }
  }
  for (const OwnWords& w : own) {
    if (w.code.empty() && w.status == problem.status) return std::string(w.words);
  }
  switch (problem.status) {
    case 400:
    case 409:
    case 422: {  // the server's detail says what to change
      std::string said = sentence(problem_detail(problem));
      return said.empty() ? "That was not accepted. Check what you entered." : said;
    }
    case 401:
      return "You are signed out. Sign in again to continue.";
    case 403:
      return "That is not allowed from this page. Reload it and try again.";
    case 404:
      return "That is no longer there. Reload the page to see what is.";
    case 429:
      return "Too many attempts. Try again " + wait_text(retry_after(problem)) + ".";
    case 503: {
      const std::int64_t wait = retry_after(problem);
      return "The server is busy. Try again " + wait_text(wait >= 0 ? wait : 60) + ".";
    }
    default:
      return problem.status >= 500 ? "Something went wrong on the server. Try again later."
                                   : "That did not work. Reload the page and try again.";
  }
}

}  // namespace tessera::api
