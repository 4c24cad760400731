#include "auth/auth_context.h"

#include <array>
#include <utility>

namespace tessera::auth {
namespace {

// The order of values() and text(), and the RFC 8176 names.
constexpr std::array<std::pair<AuthMethodRef, std::string_view>, 6> kNames = {{
    {AuthMethodRef::kPwd, "pwd"},
    {AuthMethodRef::kOtp, "otp"},
    {AuthMethodRef::kHwk, "hwk"},
    {AuthMethodRef::kSwk, "swk"},
    {AuthMethodRef::kMfa, "mfa"},
    {AuthMethodRef::kFed, "fed"},
}};

std::optional<AuthMethodRef> method_named(std::string_view name) {
  for (const auto& [m, n] : kNames) {
    if (n == name) return m;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> Amr::values() const {
  std::vector<std::string> out;
  for (const auto& [m, n] : kNames) {
    if (has(m)) out.emplace_back(n);
  }
  return out;
}

std::string Amr::text() const {
  std::string out;
  for (const auto& [m, n] : kNames) {
    if (!has(m)) continue;
    if (!out.empty()) out += ' ';
    out += n;
  }
  return out;
}

std::optional<Amr> Amr::parse(std::string_view text) {
  Amr a;
  if (text.empty()) return a;
  for (;;) {
    const std::size_t sp = text.find(' ');
    auto m = method_named(text.substr(0, sp));
    if (!m || a.has(*m)) return std::nullopt;
    a = a.with(*m);
    if (sp == std::string_view::npos) return a;
    text.remove_prefix(sp + 1);
  }
}

std::optional<Amr> Amr::from_values(const std::vector<std::string>& values) {
  Amr a;
  for (const std::string& v : values) {
    auto m = method_named(v);
    if (!m || a.has(*m)) return std::nullopt;
    a = a.with(*m);
  }
  return a;
}

std::string_view Amr::acr() const {
  return has(AuthMethodRef::kMfa) ? kAcrMultiFactor : kAcrSingleFactor;
}

}  // namespace tessera::auth
