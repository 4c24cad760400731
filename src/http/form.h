// application/x-www-form-urlencoded bodies (WHATWG URL "application/x-www-form-urlencoded"),
// parsed strictly: malformed input is refused, never guessed at.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"

namespace tessera::http {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Splits `body` at '&' into name=value pairs ('=' required; empty pairs from "a=1&&b=2" are
// skipped), turns '+' into a space and decodes %XX. Refused, with a message fit for a 400
// detail: a '%' not followed by two hex digits, raw bytes outside printable ASCII, a decoded
// NUL, or decoded text that is not UTF-8.
std::expected<FormFields, std::string> parse_form(std::string_view body);

// One name or value decoded as parse_form decodes it, refused for the same reasons (HTTP Basic
// credentials of OAuth clients are form-encoded too: RFC 6749 section 2.3.1).
std::expected<std::string, std::string> form_decode(std::string_view text);

// The value of the one field called `name`; nullopt when it is absent or repeated.
std::optional<std::string_view> form_field(const FormFields& fields, std::string_view name);

// Whether the request's Content-Type is `media_type` (type/subtype compared case-insensitively,
// parameters such as charset ignored), e.g. has_media_type(req, "application/json").
bool has_media_type(const Request& req, std::string_view media_type);

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool is_utf8(std::string_view s);

}  // namespace tessera::http
