// The query strings of the admin API's GET requests (/admin/audit, /admin/users), read
// strictly: application/x-www-form-urlencoded (http/form.h: malformed escapes, NUL and text
// that is not UTF-8 refused), no parameter twice (which one would win is ambiguous), and each
// handler refuses the names it does not know. Every failure is a 400 naming the parameter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>

#include "http/form.h"
#include "http/message.h"

namespace tessera::api {

// The most rows one page of an admin list holds, and the default.
inline constexpr std::size_t kMaxPageLimit = 1000;
inline constexpr std::size_t kDefaultPageLimit = 100;

// The parameters of `query`, each name at most once.
std::expected<http::FormFields, http::Response> query_params(std::string_view query);

// 400 "NAME: WHY".
http::Response bad_param(std::string_view name, std::string_view why);

// 400 for a parameter the endpoint does not take.
http::Response unknown_param();

// A decimal integer in [min, max], digits only (no sign, no spaces, no leading '+').
std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t min, std::int64_t max);

// The `limit` parameter of a page: 1..kMaxPageLimit.
std::expected<std::size_t, http::Response> page_limit(std::string_view value);

}  // namespace tessera::api
