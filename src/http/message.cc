#include "http/message.h"

#include <algorithm>

#include "base/day_time.h"

namespace tessera::http {

bool iequals(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const Field& f : fields_) {
    if (iequals(f.first, name)) return std::string_view(f.second);
  }
  return std::nullopt;
}

void Headers::set(std::string name, std::string value) {
  erase(name);
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
}

std::optional<std::string_view> Request::path_param(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

Response make_response(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response no_content() {
  Response res = make_response(204, "", "");
  res.headers.erase("Content-Type");
  return res;
}

std::pair<std::string, std::string> split_target(std::string_view target) {
  std::string_view rest = target;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (rest.size() >= scheme.size() && iequals(rest.substr(0, scheme.size()), scheme)) {
      rest.remove_prefix(scheme.size());
      std::size_t slash = rest.find_first_of("/?");
      rest = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
      if (!rest.empty() && rest.front() == '?') return {"/", std::string(rest.substr(1))};
      break;
    }
  }
  std::size_t q = rest.find('?');
  if (q == std::string_view::npos) return {std::string(rest), {}};
  return {std::string(rest.substr(0, q)), std::string(rest.substr(q + 1))};
}

std::string http_date(std::int64_t unix_seconds) {
  return base::format_day_time(unix_seconds) + " GMT";
}

}  // namespace tessera::http
