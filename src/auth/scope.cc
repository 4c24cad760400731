#include "auth/scope.h"

#include <algorithm>

namespace tessera::auth {

bool is_scope_token(std::string_view s) {
  if (s.empty() || s.size() > kMaxScopeTokenChars) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
  });
}

std::optional<std::vector<std::string>> parse_scope(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = text.find(' ', start);
    const std::string_view token = text.substr(
        start, space == std::string_view::npos ? std::string_view::npos : space - start);
    if (!is_scope_token(token)) return std::nullopt;  // also "" between two spaces or at an end
    if (!has_scope(out, token)) {
      if (out.size() == kMaxScopeTokens) return std::nullopt;
      out.emplace_back(token);
    }
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return out;
}

std::string join_scope(std::span<const std::string> tokens) {
  std::string out;
  for (const std::string& t : tokens) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

bool has_scope(std::span<const std::string> scope, std::string_view token) {
  return std::find(scope.begin(), scope.end(), token) != scope.end();
}

bool scope_within(std::span<const std::string> wanted, std::span<const std::string> allowed) {
  return std::all_of(wanted.begin(), wanted.end(),
                     [&](const std::string& t) { return has_scope(allowed, t); });
}

}  // namespace tessera::auth
