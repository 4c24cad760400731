#include "cli/io.h"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace tessera::cli {

std::expected<std::string, std::string> read_file(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + path + ": " + std::strerror(errno));
  std::string out;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > limit)
      return std::unexpected(path + " is larger than " + std::to_string(limit) + " bytes");
  }
  if (in.bad()) return std::unexpected("cannot read " + path);
  return out;
}

std::expected<std::string, std::string> read_stdin(std::size_t limit) {
  std::string out;
  char buf[8192];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    out.append(buf, n);
    if (out.size() > limit)
      return std::unexpected("standard input is larger than " + std::to_string(limit) + " bytes");
  }
  if (std::ferror(stdin)) return std::unexpected("cannot read standard input");
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

int fail(int code, std::string_view msg) {
  std::cerr << "tessera: " << msg << '\n';
  return code;
}

std::string utc_time(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

std::optional<std::int64_t> parse_utc_time(std::string_view text) {
  // Fixed-width fields: "YYYY-MM-DD", then "THH:MMZ" or "THH:MM:SSZ".
  auto number = [&](std::size_t at, std::size_t digits) -> std::optional<int> {
    int v = 0;
    const char* first = text.data() + at;
    auto [end, ec] = std::from_chars(first, first + digits, v);
    if (ec != std::errc() || end != first + digits || *first == '-' || *first == '+') {
      return std::nullopt;
    }
    return v;
  };
  auto at = [&](std::size_t i, char c) { return i < text.size() && text[i] == c; };
  if (text.size() != 10 && text.size() != 17 && text.size() != 20) return std::nullopt;
  if (!at(4, '-') || !at(7, '-')) return std::nullopt;
  auto y = number(0, 4), mo = number(5, 2), d = number(8, 2);
  std::optional<int> h = 0, mi = 0, sec = 0;
  if (text.size() > 10) {
    if (!at(10, 'T') || !at(13, ':') || text.back() != 'Z') return std::nullopt;
    h = number(11, 2);
    mi = number(14, 2);
    if (text.size() == 20) sec = at(16, ':') ? number(17, 2) : std::nullopt;
  }
  if (!y || !mo || !d || !h || !mi || !sec || *y < 1970 || *h > 23 || *mi > 59 || *sec > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day day{std::chrono::year{*y},
                                        std::chrono::month{static_cast<unsigned>(*mo)},
                                        std::chrono::day{static_cast<unsigned>(*d)}};
  if (!day.ok()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(day).time_since_epoch().count();
  return days * 86400 + *h * 3600 + *mi * 60 + *sec;
}

}  // namespace tessera::cli
