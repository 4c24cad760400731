// Fuzzes the Cookie header reader (src/http/cookies.h): the input is one Cookie field value,
// or, split at '\n', several Cookie fields of one request.
//
// Invariants (abort() on violation):
//   1. Every kept pair has a name; a kPresent value is cookie-octets (RFC 6265 section 4.1.1)
//      under a name that is a token (RFC 9110 section 5.6.2), and the header holds that pair as
//      sent (`name=value` or `name="value"`).
//   2. A name sent twice is never kPresent (kDuplicate), however its copies look.
//   3. Junk never changes an answer (issue 14, defect 5): adding `; =junk`, `; junk` or `; =`
//      before or after the header, or as a Cookie field of its own, leaves every pair and every
//      lookup as it was.
//   4. Several fields are one list: the fields joined with "; " parse to the same pairs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_reference.h"
#include "http/cookies.h"

namespace {

using tessera::fuzz::trim;
using tessera::http::CookieLookup;
using tessera::http::Cookies;
using tessera::http::Headers;

void check(bool ok, const char* what) {
  if (!ok) tessera::fuzz::fail("fuzz_cookie_header", what);
}

bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_cookie_octet(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

// Whether some ';'-separated element of `header` is `name=value` or `name="value"`, with only
// optional whitespace around the element and the '='.
bool sent_as(std::string_view header, std::string_view name, std::string_view value) {
  for (std::size_t pos = 0; pos <= header.size();) {
    std::size_t semi = header.find(';', pos);
    if (semi == std::string_view::npos) semi = header.size();
    std::string_view e = header.substr(pos, semi - pos);
    pos = semi + 1;
    std::size_t eq = e.find('=');
    if (eq == std::string_view::npos || trim(e.substr(0, eq)) != name) continue;
    std::string_view v = trim(e.substr(eq + 1));
    if (v == value) return true;
    if (v.size() == value.size() + 2 && v.front() == '"' && v.back() == '"' &&
        v.substr(1, value.size()) == value) {
      return true;
    }
  }
  return false;
}

bool same_pairs(const Cookies& a, const Cookies& b) {
  if (a.pairs().size() != b.pairs().size()) return false;
  for (std::size_t i = 0; i < a.pairs().size(); ++i) {
    const Cookies::Pair& x = a.pairs()[i];
    const Cookies::Pair& y = b.pairs()[i];
    if (x.name != y.name || x.value != y.value || x.valid != y.valid) return false;
  }
  return true;
}

bool same_lookup(const Cookies& a, const Cookies& b, std::string_view name) {
  CookieLookup x = a.find(name), y = b.find(name);
  return x.state == y.state && x.value == y.value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  Headers fields;
  std::string joined;
  for (std::size_t pos = 0; pos <= input.size();) {
    std::size_t nl = input.find('\n', pos);
    if (nl == std::string::npos) nl = input.size();
    const std::string field = input.substr(pos, nl - pos);
    fields.add("Cookie", field);
    joined += (pos == 0 ? "" : "; ") + field;
    pos = nl + 1;
  }
  const Cookies jar = tessera::http::parse_cookies(fields);

  // 4. Several fields are one list.
  check(same_pairs(jar, tessera::http::parse_cookie_header(joined)), "fields are not one list");

  std::vector<std::string> names = {"__Host-tessera_session",
                                    "__Host-tessera_access",
                                    "__Secure-tessera_refresh",
                                    "__Host-tessera_csrf",
                                    "a",
                                    ""};
  for (const Cookies::Pair& p : jar.pairs()) {
    check(!p.name.empty(), "a kept pair has no name");  // 1
    names.push_back(p.name);
  }
  for (const std::string& name : names) {
    const CookieLookup l = jar.find(name);
    std::size_t copies = 0;
    for (const Cookies::Pair& p : jar.pairs()) copies += p.name == name ? 1 : 0;
    check(copies < 2 || l.state == CookieLookup::kDuplicate, "a repeated name is not ambiguous");
    if (l.state != CookieLookup::kPresent) continue;
    check(copies == 1, "kPresent for a name not sent exactly once");  // 2
    for (char c : name) check(is_tchar(c), "kPresent under a name that is not a token");
    for (char c : l.value) check(is_cookie_octet(c), "kPresent value is not cookie-octets");
    check(sent_as(joined, name, l.value), "kPresent pair is not in the header as sent");
  }

  // 3. Junk never changes an answer.
  for (std::string_view junk : {"=junk", "junk", "="}) {
    const std::string j(junk);
    Headers extra = fields;
    extra.add("Cookie", j);
    for (const Cookies& other : {tessera::http::parse_cookie_header(joined + "; " + j),
                                 tessera::http::parse_cookie_header(j + "; " + joined),
                                 tessera::http::parse_cookies(extra)}) {
      check(same_pairs(jar, other), "junk changed the pairs");
      for (const std::string& name : names) {
        check(same_lookup(jar, other, name), "junk changed a lookup");
      }
    }
  }
  return 0;
}
