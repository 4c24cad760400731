// The request and response a handler sees: plain values, no Beast or Asio types, so handlers
// (src/api) are ordinary functions that unit tests call directly.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/event_stream.h"

namespace tessera::http {

// Header fields in arrival order. Names compare case-insensitively (RFC 9110 section 5.1);
// values are kept as sent, without surrounding whitespace.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // The first value of `name`, or nullopt. The view lives as long as this object is unchanged.
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }

  // Replaces every field named `name` with one field.
  void set(std::string name, std::string value);
  // Appends a field, keeping earlier ones of the same name (Set-Cookie needs several).
  void add(std::string name, std::string value);
  // Removes every field named `name`.
  void erase(std::string_view name);
  // Makes room for `n` fields in all, so that adding them does not reallocate.
  void reserve(std::size_t n) { fields_.reserve(n); }

  std::vector<Field>::const_iterator begin() const { return fields_.begin(); }
  std::vector<Field>::const_iterator end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b);

struct Request {
  std::string method;  // as sent; methods are case-sensitive (RFC 9110 section 9.1)
  std::string target;  // the request-target as sent, e.g. "/path?x=1"
  std::string path;    // the target's path, not percent-decoded, e.g. "/path"
  std::string query;   // after '?', without it; empty if none
  Headers headers;
  std::string body;            // at most ServerLimits::max_body_bytes
  std::string remote_address;  // the peer's IP address (not X-Forwarded-For; see client_ip.h)
  // Set by the server before the handler runs (http/request_id.h); sent back as X-Request-Id.
  std::string request_id;
  // For a route with `{name}` segments (router.h): name -> the segment as sent (not decoded).
  std::vector<std::pair<std::string, std::string>> path_params;

  // The path parameter `name`, or nullopt.
  std::optional<std::string_view> path_param(std::string_view name) const;
};

struct Response {
  int status = 200;  // 200..599; anything else is sent as 500
  Headers headers;   // Content-Length, Connection and Transfer-Encoding are set by the server
  std::string body;
  // Set: the body is this stream, sent after `body` as it comes (http/event_stream.h). For a
  // HEAD request, or a status without content (204, 304), it is dropped unsent.
  std::shared_ptr<EventStream> stream;
};

// A response with `body` and Content-Type `content_type`.
Response make_response(int status, std::string body, std::string content_type = "application/json");

// 204 No Content: no body, no Content-Type.
Response no_content();

// Splits a request-target into path and query. Origin-form "/a?b" gives {"/a", "b"};
// absolute-form "http://host/a?b" (RFC 9112 section 3.2.2) gives the same; anything else
// (asterisk-form "*", authority-form) gives the target itself as the path, which no route has.
std::pair<std::string, std::string> split_target(std::string_view target);

// The IMF-fixdate of a Unix time, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7),
// for Date, Last-Modified and Expires.
std::string http_date(std::int64_t unix_seconds);

}  // namespace tessera::http
