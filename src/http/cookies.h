// Cookies (RFC 6265): reading the Cookie header, and writing Set-Cookie with the attributes
// SPEC.md "Browser delivery" requires.
//
// Reading. A request's Cookie fields (several are joined with "; ", as RFC 9113 section 8.2.3
// does for HTTP/2) are a list of `name=value` pairs separated by ';' (RFC 6265 section 4.2.1;
// optional whitespace around pairs and empty elements are tolerated). Values may be DQUOTE'd
// (the quotes are removed). Parsing never refuses the header as a whole:
//   - A pair without a name (`=v`, a bare `v`, or only whitespace before the '=') is skipped.
//     RFC 6265 section 5.2 user agents skip such pairs too, and any page on the host or a
//     sibling domain can plant one (document.cookie = "x"): refusing the header for it would
//     let that page lock the user out of every cookie-authenticated call.
//   - A named pair whose name is not a token, or whose value holds bytes outside cookie-octet
//     (a control character, space, comma, '\', non-ASCII...), is kept as *invalid*: some other
//     application on the site may have set it, and only a lookup of that very name says so.
// What justifies a refusal is the ambiguity or invalidity of the cookie a caller looks up, and
// the caller decides: a name sent twice is *ambiguous* (an attacker on a sibling domain can add
// a second cookie of the same name: RFC 6265 section 8.6), and lookups refuse to pick one.
// That duplicate rule is also the defence against the nameless-cookie trick of RFC 6265bis
// section 5.6: a nameless cookie whose value is `__Host-x=y` is sent by the browser as just
// `__Host-x=y`, exactly like a named cookie, so no parser can tell it apart; beside the real
// `__Host-x` it makes the name ambiguous and the request is refused, and on its own it is one
// more planted value, which the services never adopt (SPEC.md: a presented unknown id is never
// adopted).
//
// Writing. SetCookie builds one Set-Cookie value and refuses what the browser would ignore or
// what SPEC.md forbids: names that are not tokens, values outside cookie-octet, `__Host-`
// cookies without Secure or Path=/ or with a Domain (RFC 6265bis section 4.1.3), `__Secure-`
// cookies without Secure, and SameSite other than Lax/Strict.
//
// Example (a lookup's value points into the jar: keep the jar, not a temporary):
//   Cookies jar = parse_cookies(req.headers);
//   CookieLookup s = jar.find("__Host-tessera_session");
//   if (s.state == CookieLookup::kDuplicate) return problem(400, "duplicate session cookie");
//
//   SetCookie c{.name = "__Host-tessera_session", .value = id};
//   if (auto v = c.to_string()) res.headers.add("Set-Cookie", *v);
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace tessera::http {

struct CookieLookup {
  enum State {
    kAbsent,     // no cookie of that name
    kPresent,    // exactly one, valid: `value` holds it
    kDuplicate,  // sent more than once: ambiguous, refuse it
    kInvalid,    // sent once, but its name is not a token or its value not cookie-octets
  };
  State state = kAbsent;
  std::string_view value;  // kPresent only; a view into the Cookies it came from
};

class Cookies {
 public:
  struct Pair {
    std::string name;
    std::string value;  // DQUOTEs removed
    bool valid = true;  // name is a token and value is cookie-octets
  };

  // What `name` resolves to. Names are case-sensitive (RFC 6265 section 5.3).
  CookieLookup find(std::string_view name) const;

  // The value when find(name) is kPresent; nullopt otherwise.
  std::optional<std::string_view> get(std::string_view name) const;

  // Whether any name occurs more than once.
  bool has_duplicates() const;

  // Every named pair, valid or not, in the order sent (nameless ones are not kept).
  const std::vector<Pair>& pairs() const { return pairs_; }

 private:
  friend Cookies parse_cookie_header(std::string_view header);
  std::vector<Pair> pairs_;
};

// Parses one Cookie field value (see "Reading" above: nameless pairs are skipped, nothing is
// refused).
Cookies parse_cookie_header(std::string_view header);

// Parses every Cookie field of a request as one list (none: an empty jar).
Cookies parse_cookies(const Headers& headers);

enum class SameSite { kLax, kStrict };

// One Set-Cookie value. Defaults are the strict ones SPEC.md asks for.
struct SetCookie {
  std::string name;
  std::string value;
  std::string path = "/";
  std::optional<std::string> domain;    // absent: host-only (required for __Host-)
  std::optional<std::int64_t> max_age;  // seconds; absent: a session cookie; 0: delete
  bool secure = true;
  bool http_only = true;
  SameSite same_site = SameSite::kLax;

  // "name=value; Path=/; Max-Age=900; Secure; HttpOnly; SameSite=Lax", or an error naming
  // what is wrong (a programming error: the caller should answer 500).
  std::expected<std::string, std::string> to_string() const;

  // The cookie that deletes this one: same name, path, domain and flags, empty value,
  // Max-Age=0 (RFC 6265 section 5.2.2: expire at once).
  SetCookie deletion() const;
};

}  // namespace tessera::http
