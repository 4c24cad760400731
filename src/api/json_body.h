// Strict request bodies for the JSON API (SPEC.md "HTTP API": malformed input is a 4xx with a
// clear message, never a 5xx).
//
// The API's bodies are flat JSON objects whose members are strings ({"email": "...",
// "password": "..."}) - or, where an endpoint declares them, lists of strings or booleans (the
// admin API's client registration), or an object (kObject) - and they are read strictly:
//   - Content-Type must be application/json (parameters such as charset ignored) -> else 415
//     (RFC 9110 section 15.5.16);
//   - the text must be one well-formed JSON value (RFC 8259), valid UTF-8, nothing after it;
//   - that value must be an object; each member's value of its declared kind: a string, an
//     array of strings, or true/false (no numbers, null or nested objects, and no array inside
//     an array: nesting is refused at its first level, so deep JSON costs nothing);
//   - no member twice (RFC 8259 section 4 leaves duplicates undefined: refusing them closes
//     the "which one wins" ambiguity between parsers), no member the endpoint does not know,
//     every required member present;
//   - no string holding NUL (U+0000): no legitimate email or password has one, and C APIs
//     downstream would see a different value.
// Failures are 400 problem+json naming the member or the byte offset. The body size limit
// (413) is the server's (ServerLimits::max_body_bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"

namespace tessera::api {

// kObject: a member whose value is an object of any JSON (a WebAuthn response inside a larger
// body), nested at most kMaxObjectDepth deep, without duplicate members at any level; its
// contents are the caller's to check.
enum class JsonKind : std::uint8_t { kString, kStrings, kBool, kObject };
inline constexpr std::size_t kMaxObjectDepth = 8;

struct JsonMember {
  std::string_view name;
  bool required = true;
  JsonKind kind = JsonKind::kString;
};

// The members that were present, by kind, each in arrival order.
class JsonFields {
 public:
  // A string member.
  std::optional<std::string_view> get(std::string_view name) const;
  // The value of a required string member (REQUIRES: declared required, so parsing checked it).
  std::string take(std::string_view name);
  // A list member's strings; empty when absent.
  std::vector<std::string> take_list(std::string_view name);
  // A boolean member.
  std::optional<bool> flag(std::string_view name) const;
  // An object member as JSON text (absent: nullopt).
  std::optional<std::string> object_text(std::string_view name) const;
  // Whether the member was present, whatever its kind.
  bool has(std::string_view name) const;

  std::vector<std::pair<std::string, std::string>> members;
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;
  std::vector<std::pair<std::string, bool>> flags;
  std::vector<std::pair<std::string, nlohmann::json>> objects;
};

// Parses `req`'s body per the rules above against `allowed`. The error is the response to send.
std::expected<JsonFields, http::Response> read_json_object(const http::Request& req,
                                                           std::span<const JsonMember> allowed);

// For endpoints that take no parameters (logout, logout-all, DELETE): the body may be empty,
// an application/x-www-form-urlencoded form (its csrf_token field is read by the CSRF check;
// http/csrf.h), or the JSON object {}. Anything else: 415 (unexpected media type) or 400.
std::expected<void, http::Response> check_empty_body(const http::Request& req);

}  // namespace tessera::api
