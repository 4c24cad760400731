// Cookies (RFC 6265): reading the Cookie header strictly, and writing Set-Cookie with the
// attributes SPEC.md "Browser delivery" requires.
//
// Reading. A request's Cookie fields (several are joined with "; ", as RFC 9113 section 8.2.3
// does for HTTP/2) must be a list of `name=value` pairs separated by ';' (RFC 6265 section
// 4.2.1; optional whitespace around pairs is tolerated). The whole header is refused when any
// pair is nameless (`=v` or a bare `v`), or anything holds a control character (NUL, CR, LF,
// ...): those are never produced by a browser for cookies it set, and a nameless cookie is the
// classic way to smuggle a fake `__Host-` name past the browser's prefix checks. Values may be
// DQUOTE'd (the quotes are removed). A pair whose name is not a token or whose value has bytes
// outside cookie-octet (space, comma, '\', non-ASCII...) does not spoil the header: some other
// application on the site may have set it. It is kept as *invalid*, and looking it up says so.
// A name sent twice is *ambiguous* (an attacker on a sibling domain can add a second cookie of
// the same name: RFC 6265 section 8.6): lookups refuse to pick one.
//
// Writing. SetCookie builds one Set-Cookie value and refuses what the browser would ignore or
// what SPEC.md forbids: names that are not tokens, values outside cookie-octet, `__Host-`
// cookies without Secure or Path=/ or with a Domain (RFC 6265bis section 4.1.3), `__Secure-`
// cookies without Secure, and SameSite other than Lax/Strict.
//
// Example:
//   auto jar = parse_cookies(req.headers);
//   if (!jar) return problem(400, jar.error());
//   CookieLookup s = jar->find("__Host-tessera_session");
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
    kInvalid,    // sent once, but its value is not cookie-octets: refuse it
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

  // Every pair, in the order sent.
  const std::vector<Pair>& pairs() const { return pairs_; }

 private:
  friend std::expected<Cookies, std::string> parse_cookie_header(std::string_view header);
  std::vector<Pair> pairs_;
};

// Parses one Cookie field value. The error is a message fit for a 400 problem detail.
std::expected<Cookies, std::string> parse_cookie_header(std::string_view header);

// Parses every Cookie field of a request (none: an empty jar).
std::expected<Cookies, std::string> parse_cookies(const Headers& headers);

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
