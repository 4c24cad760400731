#include "mail/address.h"

#include <string_view>

namespace tessera::mail {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelBytes) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (const char c : label) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

bool is_atext(char c) {
  return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom_text(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char previous = '\0';
  for (const char c : text) {
    if (c == '.' ? previous == '.' : !is_atext(c)) return false;
    previous = c;
  }
  return true;
}

bool is_valid_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > kMaxDomainBytes) return false;
  for (;;) {
    const std::size_t dot = domain.find('.');
    if (!is_ldh_label(domain.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    domain.remove_prefix(dot + 1);
  }
}

bool is_valid_address(std::string_view address) {
  if (address.size() > kMaxAddressBytes) return false;
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::string_view local = address.substr(0, at);
  // A second '@' lands in the local part, where it is not atext: refused there.
  return local.size() <= kMaxLocalPartBytes && is_dot_atom_text(local) &&
         is_valid_domain(address.substr(at + 1));
}

}  // namespace tessera::mail
